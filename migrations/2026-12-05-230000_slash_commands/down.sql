DROP TABLE bot_commands;
