-- A group's description, shown beside its title; changing it is a conversation event.
ALTER TABLE conversations ADD COLUMN description text NOT NULL DEFAULT '' CHECK (char_length(description) <= 500);
