import { Migration } from '@mikro-orm/migrations';

/**
 * Dead letters an operator has discarded (`npm run dead-letters -- discard`): the row stays as
 * history, marked with when it was discarded; verify reports such events apart from differences.
 */
export class Migration20261130000105DeadLettersDiscarded extends Migration {
  override up(): void {
    this.addSql('alter table dead_letters add column discarded_at timestamptz');
  }

  override down(): void {
    this.addSql('alter table dead_letters drop column if exists discarded_at');
  }
}
