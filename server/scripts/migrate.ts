// Applies pending migrations to the configured database (DATABASE_URL, or the embedded one in
// DATA_DIR) without starting the server.
import { ConfigError, loadConfig } from '../src/config.js';
import { openDatabase } from '../src/infra/db.js';
import { createLogger } from '../src/infra/logger.js';

let config;
try {
  config = loadConfig();
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  console.error(error.message);
  process.exit(2);
}
const log = createLogger(config);
const db = await openDatabase(config, { log });
try {
  const applied = await db.migrate();
  log.info({ applied, database: db.kind }, applied.length ? 'migrations applied' : 'database is up to date');
} finally {
  await db.close();
}
