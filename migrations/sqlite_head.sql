-- The schema of a new SQLite database at the head of migrations/versions, written by
-- `docintel dev schema`; tests/test_migrations.py checks it against the migrations.
-- revision: 0013
BEGIN;
CREATE TABLE alembic_version (
	version_num VARCHAR(32) NOT NULL,
	CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num)
);
CREATE TABLE api_tokens (
	id INTEGER NOT NULL,
	name VARCHAR(128) NOT NULL,
	secret_hash VARCHAR(64) NOT NULL,
	read_only BOOLEAN NOT NULL,
	created_at DATETIME NOT NULL,
	last_used_at DATETIME,
	revoked_at DATETIME, user_id INTEGER, session BOOLEAN DEFAULT false NOT NULL, expires_at DATETIME,
	CONSTRAINT pk_api_tokens PRIMARY KEY (id),
	CONSTRAINT uq_api_tokens_name UNIQUE (name),
	CONSTRAINT uq_api_tokens_secret_hash UNIQUE (secret_hash)
);
CREATE TABLE audio_segments (
	id INTEGER NOT NULL,
	document_id INTEGER NOT NULL,
	window INTEGER NOT NULL,
	start_s FLOAT NOT NULL,
	end_s FLOAT NOT NULL,
	skipped BOOLEAN NOT NULL,
	text TEXT,
	translation TEXT,
	language VARCHAR(16),
	engine VARCHAR(32),
	model VARCHAR(256),
	precision VARCHAR(16),
	timings JSON NOT NULL, words JSON DEFAULT '[]' NOT NULL,
	CONSTRAINT fk_audio_segments_document_id_documents FOREIGN KEY(document_id) REFERENCES documents (id) ON DELETE CASCADE,
	CONSTRAINT pk_audio_segments PRIMARY KEY (id),
	CONSTRAINT uq_audio_segments_document_id UNIQUE (document_id, window)
);
CREATE TABLE audit_events (
	id INTEGER NOT NULL,
	run VARCHAR(80) NOT NULL,
	document_id INTEGER,
	step VARCHAR(64) NOT NULL,
	seq INTEGER NOT NULL,
	role VARCHAR(16) NOT NULL,
	status VARCHAR(16) NOT NULL,
	content TEXT,
	thinking TEXT,
	tool_name VARCHAR(128),
	tool_args JSON,
	tool_result TEXT,
	prompt_tokens INTEGER,
	output_tokens INTEGER,
	duration_ms FLOAT,
	engine VARCHAR(32),
	model VARCHAR(256),
	precision VARCHAR(16),
	prompt_hash VARCHAR(64),
	created_at DATETIME NOT NULL,
	CONSTRAINT fk_audit_events_document_id_documents FOREIGN KEY(document_id) REFERENCES documents (id) ON DELETE CASCADE,
	CONSTRAINT pk_audit_events PRIMARY KEY (id),
	CONSTRAINT uq_audit_events_run UNIQUE (run, step, seq)
);
CREATE TABLE chunks (
	id INTEGER NOT NULL,
	document_id INTEGER NOT NULL,
	"index" INTEGER NOT NULL,
	text TEXT NOT NULL,
	page INTEGER,
	start_s FLOAT,
	end_s FLOAT,
	embedding JSON,
	embedding_model VARCHAR(256),
	CONSTRAINT fk_chunks_document_id_documents FOREIGN KEY(document_id) REFERENCES documents (id) ON DELETE CASCADE,
	CONSTRAINT pk_chunks PRIMARY KEY (id),
	CONSTRAINT uq_chunks_document_id UNIQUE (document_id, "index")
);
CREATE VIRTUAL TABLE chunks_fts USING fts5(text, content='chunks', content_rowid='id', tokenize='porter unicode61');
CREATE TABLE correspondent_aliases (
	id INTEGER NOT NULL,
	correspondent_id INTEGER NOT NULL,
	name VARCHAR(200) NOT NULL,
	"key" VARCHAR(200) NOT NULL,
	CONSTRAINT fk_correspondent_aliases_correspondent_id_correspondents FOREIGN KEY(correspondent_id) REFERENCES correspondents (id) ON DELETE CASCADE,
	CONSTRAINT pk_correspondent_aliases PRIMARY KEY (id),
	CONSTRAINT uq_correspondent_aliases_key UNIQUE ("key")
);
CREATE TABLE correspondents (
	id INTEGER NOT NULL,
	name VARCHAR(200) NOT NULL,
	"key" VARCHAR(200) NOT NULL,
	created_at DATETIME NOT NULL,
	CONSTRAINT pk_correspondents PRIMARY KEY (id),
	CONSTRAINT uq_correspondents_key UNIQUE ("key")
);
CREATE TABLE document_notes (
	id INTEGER NOT NULL,
	document_id INTEGER NOT NULL,
	author VARCHAR(128) NOT NULL,
	text TEXT NOT NULL,
	created_at DATETIME NOT NULL,
	CONSTRAINT fk_document_notes_document_id_documents FOREIGN KEY(document_id) REFERENCES documents (id) ON DELETE CASCADE,
	CONSTRAINT pk_document_notes PRIMARY KEY (id)
);
CREATE TABLE document_tags (
	id INTEGER NOT NULL,
	document_id INTEGER NOT NULL,
	tag VARCHAR(128) NOT NULL,
	CONSTRAINT fk_document_tags_document_id_documents FOREIGN KEY(document_id) REFERENCES documents (id) ON DELETE CASCADE,
	CONSTRAINT pk_document_tags PRIMARY KEY (id),
	CONSTRAINT uq_document_tags_document_id UNIQUE (document_id, tag)
);
CREATE TABLE "documents" (
	id INTEGER NOT NULL,
	sha256 VARCHAR(64) NOT NULL,
	name VARCHAR(1024) NOT NULL,
	media_type VARCHAR(128),
	kind VARCHAR(16),
	size INTEGER NOT NULL,
	status VARCHAR(16) NOT NULL,
	error TEXT,
	warnings JSON NOT NULL,
	attempts INTEGER NOT NULL,
	duplicate_of_id INTEGER,
	source_path TEXT,
	archive_path TEXT,
	page_count INTEGER,
	duration_s FLOAT,
	markdown TEXT,
	meta JSON NOT NULL,
	created_at DATETIME NOT NULL,
	updated_at DATETIME NOT NULL,
	queued_at DATETIME,
	started_at DATETIME,
	finished_at DATETIME,
	doc_type VARCHAR(64),
	doc_type_confidence FLOAT,
	parent_id INTEGER,
	member TEXT,
	correspondent VARCHAR(200),
	deleted_at DATETIME,
	correspondent_id INTEGER,
	CONSTRAINT fk_documents_correspondent_id_correspondents FOREIGN KEY(correspondent_id) REFERENCES correspondents (id) ON DELETE SET NULL,
	CONSTRAINT fk_documents_duplicate_of_id_documents FOREIGN KEY(duplicate_of_id) REFERENCES documents (id),
	CONSTRAINT fk_documents_parent_id_documents FOREIGN KEY(parent_id) REFERENCES documents (id),
	CONSTRAINT pk_documents PRIMARY KEY (id)
);
CREATE TABLE entities (
	id INTEGER NOT NULL,
	document_id INTEGER NOT NULL,
	name VARCHAR(1024) NOT NULL,
	type VARCHAR(64) NOT NULL,
	pages JSON NOT NULL,
	seconds JSON NOT NULL,
	attributes JSON NOT NULL,
	CONSTRAINT fk_entities_document_id_documents FOREIGN KEY(document_id) REFERENCES documents (id) ON DELETE CASCADE,
	CONSTRAINT pk_entities PRIMARY KEY (id),
	CONSTRAINT uq_entities_document_id UNIQUE (document_id, type, name)
);
CREATE TABLE extractions (
	id INTEGER NOT NULL,
	document_id INTEGER NOT NULL,
	status VARCHAR(16) NOT NULL,
	reason TEXT,
	summary TEXT,
	confidence FLOAT,
	turns INTEGER,
	engine VARCHAR(32),
	model VARCHAR(256),
	precision VARCHAR(16),
	output JSON NOT NULL,
	CONSTRAINT fk_extractions_document_id_documents FOREIGN KEY(document_id) REFERENCES documents (id) ON DELETE CASCADE,
	CONSTRAINT pk_extractions PRIMARY KEY (id),
	CONSTRAINT uq_extractions_document_id UNIQUE (document_id)
);
CREATE TABLE fields (
	id INTEGER NOT NULL,
	document_id INTEGER NOT NULL,
	profile VARCHAR(64) NOT NULL,
	profile_hash VARCHAR(16),
	field VARCHAR(64) NOT NULL,
	"row" INTEGER NOT NULL,
	"column" VARCHAR(64) NOT NULL,
	value TEXT,
	normalized TEXT,
	number FLOAT,
	currency VARCHAR(8),
	day DATE,
	page INTEGER,
	seconds FLOAT,
	quote TEXT,
	confidence FLOAT,
	engine VARCHAR(32),
	valid BOOLEAN NOT NULL,
	reason TEXT,
	corrected TEXT,
	corrected_at DATETIME,
	CONSTRAINT fk_fields_document_id_documents FOREIGN KEY(document_id) REFERENCES documents (id) ON DELETE CASCADE,
	CONSTRAINT pk_fields PRIMARY KEY (id),
	CONSTRAINT uq_fields_document_id UNIQUE (document_id, field, "row", "column")
);
CREATE TABLE layout_hints (
	id INTEGER NOT NULL,
	correspondent VARCHAR(200) NOT NULL,
	profile VARCHAR(64) NOT NULL,
	field VARCHAR(64) NOT NULL,
	label TEXT NOT NULL,
	place VARCHAR(16) NOT NULL,
	example TEXT,
	document_id INTEGER,
	created_at DATETIME NOT NULL,
	CONSTRAINT fk_layout_hints_document_id_documents FOREIGN KEY(document_id) REFERENCES documents (id) ON DELETE SET NULL,
	CONSTRAINT pk_layout_hints PRIMARY KEY (id),
	CONSTRAINT uq_layout_hints_correspondent UNIQUE (correspondent, profile, field)
);
CREATE TABLE mail_accounts (
	id INTEGER NOT NULL,
	name VARCHAR(64) NOT NULL,
	host VARCHAR(255) NOT NULL,
	port INTEGER NOT NULL,
	security VARCHAR(16) NOT NULL,
	username VARCHAR(255) NOT NULL,
	auth VARCHAR(16) NOT NULL,
	password_env VARCHAR(128),
	password_file TEXT,
	token_command TEXT,
	ca_file TEXT,
	created_at DATETIME NOT NULL,
	last_ok_at DATETIME,
	last_error TEXT,
	last_error_at DATETIME,
	failures INTEGER NOT NULL,
	next_try_at DATETIME,
	CONSTRAINT pk_mail_accounts PRIMARY KEY (id),
	CONSTRAINT uq_mail_accounts_name UNIQUE (name)
);
CREATE TABLE mail_folders (
	id INTEGER NOT NULL,
	account VARCHAR(64) NOT NULL,
	folder VARCHAR(255) NOT NULL,
	uidvalidity BIGINT NOT NULL,
	last_uid BIGINT NOT NULL,
	rules_hash VARCHAR(16) NOT NULL,
	CONSTRAINT pk_mail_folders PRIMARY KEY (id),
	CONSTRAINT uq_mail_folders_account UNIQUE (account, folder)
);
CREATE TABLE mail_messages (
	id INTEGER NOT NULL,
	account VARCHAR(64) NOT NULL,
	folder VARCHAR(255) NOT NULL,
	uidvalidity BIGINT NOT NULL,
	uid BIGINT NOT NULL,
	message_id VARCHAR(512),
	rule VARCHAR(128) NOT NULL,
	status VARCHAR(16) NOT NULL,
	subject TEXT,
	documents JSON NOT NULL,
	owner VARCHAR(128),
	error TEXT,
	taken_at DATETIME NOT NULL,
	stored_at DATETIME,
	done_at DATETIME,
	CONSTRAINT pk_mail_messages PRIMARY KEY (id),
	CONSTRAINT uq_mail_messages_account UNIQUE (account, folder, uidvalidity, uid)
);
CREATE TABLE pages (
	id INTEGER NOT NULL,
	document_id INTEGER NOT NULL,
	page INTEGER NOT NULL,
	status VARCHAR(16) NOT NULL,
	text_source VARCHAR(16),
	decision TEXT,
	kind VARCHAR(16),
	markdown TEXT,
	fields JSON NOT NULL,
	chart JSON,
	width FLOAT,
	height FLOAT,
	visual_tokens INTEGER,
	engine VARCHAR(32),
	model VARCHAR(256),
	precision VARCHAR(16),
	error TEXT,
	timings JSON NOT NULL,
	CONSTRAINT fk_pages_document_id_documents FOREIGN KEY(document_id) REFERENCES documents (id) ON DELETE CASCADE,
	CONSTRAINT pk_pages PRIMARY KEY (id),
	CONSTRAINT uq_pages_document_id UNIQUE (document_id, page)
);
CREATE TABLE relationships (
	id INTEGER NOT NULL,
	document_id INTEGER NOT NULL,
	source VARCHAR(1024) NOT NULL,
	target VARCHAR(1024) NOT NULL,
	type VARCHAR(64) NOT NULL,
	evidence TEXT,
	CONSTRAINT fk_relationships_document_id_documents FOREIGN KEY(document_id) REFERENCES documents (id) ON DELETE CASCADE,
	CONSTRAINT pk_relationships PRIMARY KEY (id),
	CONSTRAINT uq_relationships_document_id UNIQUE (document_id, source, target, type)
);
CREATE TABLE saved_views (
	id INTEGER NOT NULL,
	owner VARCHAR(128) NOT NULL,
	name VARCHAR(128) NOT NULL,
	filters JSON NOT NULL,
	created_at DATETIME NOT NULL,
	CONSTRAINT pk_saved_views PRIMARY KEY (id),
	CONSTRAINT uq_saved_views_owner UNIQUE (owner, name)
);
CREATE TABLE step_runs (
	id INTEGER NOT NULL,
	document_id INTEGER NOT NULL,
	step VARCHAR(64) NOT NULL,
	attempts INTEGER NOT NULL,
	started_at DATETIME,
	finished_at DATETIME,
	CONSTRAINT fk_step_runs_document_id_documents FOREIGN KEY(document_id) REFERENCES documents (id) ON DELETE CASCADE,
	CONSTRAINT pk_step_runs PRIMARY KEY (id),
	CONSTRAINT uq_step_runs_document_id UNIQUE (document_id, step)
);
CREATE TABLE tables (
	id INTEGER NOT NULL,
	document_id INTEGER NOT NULL,
	page INTEGER NOT NULL,
	"index" INTEGER NOT NULL,
	sheet VARCHAR(256),
	headers JSON NOT NULL,
	rows JSON NOT NULL,
	caption TEXT,
	footnotes JSON NOT NULL,
	engine VARCHAR(32),
	CONSTRAINT fk_tables_document_id_documents FOREIGN KEY(document_id) REFERENCES documents (id) ON DELETE CASCADE,
	CONSTRAINT pk_tables PRIMARY KEY (id),
	CONSTRAINT uq_tables_document_id UNIQUE (document_id, page, "index")
);
CREATE TABLE tag_rules (
	id INTEGER NOT NULL,
	name VARCHAR(128) NOT NULL,
	tag VARCHAR(128) NOT NULL,
	doc_type VARCHAR(64),
	condition TEXT,
	correspondent VARCHAR(200),
	enabled BOOLEAN NOT NULL,
	created_at DATETIME NOT NULL,
	CONSTRAINT pk_tag_rules PRIMARY KEY (id),
	CONSTRAINT uq_tag_rules_name UNIQUE (name)
);
CREATE TABLE users (
	id INTEGER NOT NULL,
	name VARCHAR(128) NOT NULL,
	role VARCHAR(16) NOT NULL,
	password_hash VARCHAR(255),
	created_at DATETIME NOT NULL,
	CONSTRAINT pk_users PRIMARY KEY (id),
	CONSTRAINT uq_users_name UNIQUE (name)
);
CREATE INDEX ix_api_tokens_user_id ON api_tokens (user_id);
CREATE INDEX ix_audit_events_document_id ON audit_events (document_id);
CREATE INDEX ix_audit_events_run ON audit_events (run);
CREATE INDEX ix_chunks_document_id ON chunks (document_id);
CREATE INDEX ix_chunks_pending ON chunks (id) WHERE embedding IS NULL;
CREATE INDEX ix_correspondent_aliases_correspondent_id ON correspondent_aliases (correspondent_id);
CREATE INDEX ix_document_notes_document_id ON document_notes (document_id);
CREATE INDEX ix_document_tags_tag ON document_tags (tag);
CREATE INDEX ix_documents_correspondent ON documents (correspondent);
CREATE INDEX ix_documents_correspondent_id ON documents (correspondent_id);
CREATE INDEX ix_documents_deleted_at ON documents (deleted_at);
CREATE INDEX ix_documents_doc_type ON documents (doc_type);
CREATE INDEX ix_documents_parent_id ON documents (parent_id);
CREATE INDEX ix_documents_sha256 ON documents (sha256);
CREATE INDEX ix_documents_status ON documents (status);
CREATE INDEX ix_documents_updated_at ON documents (updated_at);
CREATE INDEX ix_entities_type ON entities (type);
CREATE INDEX ix_fields_document_id ON fields (document_id);
CREATE INDEX ix_fields_profile ON fields (profile);
CREATE INDEX ix_layout_hints_correspondent ON layout_hints (correspondent);
CREATE INDEX ix_mail_messages_account_message_id ON mail_messages (account, message_id);
CREATE INDEX ix_saved_views_owner ON saved_views (owner);
CREATE UNIQUE INDEX uq_documents_sha256_original ON documents (sha256) WHERE status <> 'duplicate';
CREATE TRIGGER chunks_fts_ad AFTER DELETE ON chunks BEGIN INSERT INTO chunks_fts(chunks_fts, rowid, text) VALUES ('delete', old.id, old.text); END;
CREATE TRIGGER chunks_fts_ai AFTER INSERT ON chunks BEGIN INSERT INTO chunks_fts(rowid, text) VALUES (new.id, new.text); END;
CREATE TRIGGER chunks_fts_au AFTER UPDATE ON chunks BEGIN INSERT INTO chunks_fts(chunks_fts, rowid, text) VALUES ('delete', old.id, old.text); INSERT INTO chunks_fts(rowid, text) VALUES (new.id, new.text); END;
INSERT INTO alembic_version (version_num) VALUES ('0013');
COMMIT;
