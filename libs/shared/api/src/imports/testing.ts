import { Injectable } from '@nestjs/common';
import type { ImportFile, ImportOutcome, ImportRunContext, ImportSource } from './import-source';

/**
 * A made-up source for the machinery's tests: each line `key;value` sets the value of the stream `test-item-<key>`
 * (event `test.ItemValued`), a line without a value is rejected. It compares with the log like a real source and writes
 * the differences only; `failAfterWrites` makes it throw after that many writes (a crash in the middle of an import).
 */
@Injectable()
export class TestItemsImportSource implements ImportSource {
  name = 'test-items';
  label = 'Valeurs de test (CSV)';
  extensions = ['.csv'];
  failAfterWrites?: number;

  async run(file: ImportFile, context: ImportRunContext): Promise<ImportOutcome> {
    const lines = file.content.toString('utf8').split(/\r?\n/).slice(1);
    const outcome: ImportOutcome = { rowsRead: 0, created: 0, unchanged: 0, changed: 0, rejected: [] };
    let writes = 0;
    for (const [index, line] of lines.entries()) {
      if (line.trim() === '') continue;
      outcome.rowsRead++;
      const row = index + 2;
      const [key, value] = line.split(';').map((x) => x.trim());
      if (!value) {
        outcome.rejected.push({ row, field: 'value', reason: 'valeur absente' });
        continue;
      }
      const stream = `test-item-${key}`;
      const events = await context.store.readStream(stream);
      const current = (events.at(-1)?.data as { value?: string } | undefined)?.value;
      if (current === value) outcome.unchanged++;
      else {
        if (current === undefined) outcome.created++;
        else outcome.changed++;
        if (this.failAfterWrites !== undefined && writes >= this.failAfterWrites) throw new Error('crash in the middle of the import');
        await context.writer.append(
          stream,
          [{ type: 'test.ItemValued', data: { key, value } }],
          events.length ? events.length - 1 : 'no_stream',
          `${context.today}`,
        );
        writes++;
      }
      context.progress(outcome.rowsRead, lines.length);
    }
    return { ...outcome, extractedOn: '2024-01-31', notes: [{ code: 'test', message: 'Une note', items: ['a'] }] };
  }
}
