/** The mode of files the gateway creates that hold private data (the database, prompt logs, unsaved ledger rows): owner read and write only. */
export const PRIVATE_FILE_MODE = 0o600;
