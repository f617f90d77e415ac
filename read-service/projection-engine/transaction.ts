import type { EntityManager } from '@mikro-orm/postgresql';
import type { Orm } from '../../platform/postgres/index.js';

/**
 * The read side's one transaction idiom: `work` runs on a fork in one transaction, committed
 * when it returns, rolled back when it throws. `searchPath` confines every statement to one
 * schema (a rebuild's build tables, verify's scratch tables).
 *
 * The connection's begin/commit rather than em.transactional(): that runs in an
 * AsyncLocalStorage, whose first use turns on promise hooks for the whole process (a tenth of the
 * read-service's CPU under load, decision #19). Work here is SQL only: nothing to flush.
 */
export async function inTransaction<T>(orm: Orm, work: (tx: EntityManager) => Promise<T>, searchPath?: string): Promise<T> {
  const em = orm.em.fork() as EntityManager;
  const connection = em.getConnection('write');
  const trx = await connection.begin();
  em.setTransactionContext(trx);
  try {
    if (searchPath !== undefined) await em.execute(`set local search_path to ${searchPath}`, [], 'run');
    const result = await work(em);
    await connection.commit(trx);
    return result;
  } catch (error) {
    await connection.rollback(trx).catch(() => undefined);
    throw error;
  } finally {
    em.resetTransactionContext();
  }
}

/**
 * Runs `work` in a savepoint of `tx`: released when it returns, rolled back to when it throws
 * (the transaction goes on). A rollback that fails (the connection died) throws its own error.
 */
export async function inSavepoint<T>(tx: EntityManager, work: () => Promise<T>): Promise<T> {
  await tx.execute('savepoint engine', [], 'run');
  try {
    const result = await work();
    await tx.execute('release savepoint engine', [], 'run');
    return result;
  } catch (error) {
    await tx.execute('rollback to savepoint engine', [], 'run');
    throw error;
  }
}
