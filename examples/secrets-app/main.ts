// A small service on the SDK: logs in from its environment, reads its configuration through the
// cache, runs a query with dynamic database credentials, and revokes everything on shutdown.
// Prints one JSON line describing what it did (never a secret value).
import { connect } from './vault-client.js';
import { DatabaseSecretManager } from './database-secret-manager.js';

const client = await connect({ cache: true });
try {
  const config = await client.kv.get(process.env.APP_CONFIG_PATH ?? 'secret/app/config');
  const settings = (config.secret?.data as { data?: Record<string, string> } | null)?.data ?? {};
  const database = await DatabaseSecretManager.open(client, process.env.APP_DB_ROLE ?? 'readonly', {
    host: process.env.APP_DB_HOST ?? '127.0.0.1',
    port: Number(process.env.APP_DB_PORT ?? 5432),
    database: process.env.APP_DB_NAME ?? 'postgres',
    max: 2,
  });
  try {
    const { rows } = await database.query<{ user: string }>('SELECT current_user AS user');
    // The cache answers the second read of the configuration.
    await client.kv.get(process.env.APP_CONFIG_PATH ?? 'secret/app/config');
    console.log(JSON.stringify({ greeting: settings.greeting ?? null, databaseUser: rows[0]?.user, cache: client.cache?.stats }));
  } finally {
    await database.close();
  }
} finally {
  await client.close();
}
