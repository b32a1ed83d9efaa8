-- messages(author_id) duplicated the leading column of the unique (author_id, client_message_id)
-- index, which holds every message (a null client_message_id included) and serves the same
-- lookups by author, such as the cascade when a user is deleted. Each send wrote both.
DROP INDEX "messages_author_id_idx";
