/** What the services that own a database share: the MikroORM connection with its migrations, and the leader lock. */
export * from './database.js';
export * from './leader-lock.js';
