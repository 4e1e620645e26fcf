DROP TABLE two_factor_recovery;
DROP TABLE two_factor;
