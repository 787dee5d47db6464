import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { PostgresEventStore } from '@erbm/shared/event-store';
import { testEvent } from '@erbm/shared/event-store/testing';
import { AppModule } from './app.module';
import { EVENT_STORE } from './event-store.provider';

interface Health {
  status: string;
  database: string;
  eventStore: { head: string | null };
}

const getHealth = async (baseUrl: string): Promise<Health> => (await fetch(`${baseUrl}/health`)).json() as Promise<Health>;

describe('erbm all-in-one process over HTTP', () => {
  let app: INestApplication;
  let baseUrl: string;
  const dataDir = mkdtempSync(join(tmpdir(), 'erbm-e2e-'));
  const savedDataDir = process.env.ERBM_DATA_DIR;

  beforeAll(async () => {
    // With no DATABASE_URL the app must create and migrate its embedded database in the data folder by itself.
    process.env.ERBM_DATA_DIR = dataDir;
    app = await NestFactory.create(AppModule, { logger: false });
    await app.listen(0);
    baseUrl = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  });

  afterAll(async () => {
    await app.close();
    process.env.ERBM_DATA_DIR = savedDataDir;
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('reports its database and the head of the event log', async () => {
    const before = await getHealth(baseUrl);
    expect(before.status).toBe('ok');
    expect(before.database).toBe(process.env.DATABASE_URL ? 'server' : 'embedded');

    const store = app.get<PostgresEventStore>(EVENT_STORE);
    const result = await store.append(`health-${randomUUID()}`, [testEvent('test.Pinged', {})], 'no_stream');
    const after = await getHealth(baseUrl);
    expect(after.eventStore.head).toBe(result.position);
    expect(after.eventStore.head).not.toBe(before.eventStore.head);
  });
});
