/** The move from the embedded default to a shared PostgreSQL, shown by backup and restore --help alike. */
export const MOVE_TO_SHARED = `Moving from the embedded default to a shared PostgreSQL (same ENCRYPTION_KEY throughout):
  1. eval752 doctor                          note the key id; close every other eval752
  2. eval752 backup eval752.backup           on the embedded database (DATABASE_URL unset)
  3. export ENCRYPTION_KEY=$(cat <data dir>/encryption.key)
                                             the generated key, if you never set one; <data dir>
                                             holds the pgdata that doctor shows
                                             (~/.local/share/eval752 on Linux, or EVAL752_DATA_DIR)
  4. DATABASE_URL=postgres://user@host:5432/eval752 eval752 restore eval752.backup
                                             into a new, empty database (its user may create
                                             tables): it is migrated, then loaded, checked and
                                             audited in one transaction
  5. DATABASE_URL=… eval752 doctor           healthy, same key id, same row counts
  6. give every operator DATABASE_URL and the same ENCRYPTION_KEY (through your secret
     manager, never beside the backup file)
`;
