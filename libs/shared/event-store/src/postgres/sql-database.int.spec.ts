import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { type AddressInfo, connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataFolderInUseError } from './data-folder-lock';
import { openSqlDatabase } from './sql-database';

/** The embedded database (PGlite) whatever DATABASE_URL says: its single connection and its data folder are the subject. */
describe('embedded database', () => {
  it('lets the process read the network while its queue of statements is full', async () => {
    const db = await openSqlDatabase({ dataDir: 'memory://' });
    const server = createServer();
    try {
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const total = 500;
      let done = 0;
      const statements = Array.from({ length: total }, () => db.query('SELECT 1 AS one').then(() => done++));
      // A client connects while the statements queue: the server must see it before they have all run.
      const accepted = new Promise<number>((resolve) => server.once('connection', () => resolve(done)));
      const client = connect((server.address() as AddressInfo).port, '127.0.0.1');
      const doneWhenAccepted = await accepted;
      client.destroy();
      await Promise.all(statements);
      expect(doneWhenAccepted).toBeLessThan(total);
    } finally {
      server.close();
      await db.close();
    }
  });

  describe('in a data folder', () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'erbm-folder-'));
    afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

    it('is refused a second opening in the same process, naming it; open again once closed', async () => {
      const db = await openSqlDatabase({ dataDir });
      try {
        const holder = JSON.parse(readFileSync(join(dataDir, 'erbm.lock'), 'utf8'));
        expect(holder).toMatchObject({ pid: process.pid, since: expect.any(String), command: expect.any(String) });
        const second = openSqlDatabase({ dataDir });
        await expect(second).rejects.toBeInstanceOf(DataFolderInUseError);
        await expect(second).rejects.toThrow(`est déjà ouvert par ce même processus (pid ${process.pid}`);
      } finally {
        await db.close();
      }
      expect(readFileSync(join(dataDir, 'erbm.lock'), 'utf8')).toBe('');
      const again = await openSqlDatabase({ dataDir });
      expect(await again.query<{ one: number }>('SELECT 1 AS one')).toEqual([{ one: 1 }]);
      await again.close();
    });

    it('takes no lock in memory', async () => {
      const [a, b] = await Promise.all([openSqlDatabase({ dataDir: 'memory://' }), openSqlDatabase({ dataDir: 'memory://' })]);
      await Promise.all([a.close(), b.close()]);
    });
  });
});
