import { versionsByCommitment, type VersionSnapshot } from './versions';

const snapshot = (id: string, values: unknown[], position: string, appendId: string): VersionSnapshot => ({
  id,
  rows: [values],
  event: { position, recordedAt: '2026-01-05T10:00:00.000Z', appendId },
});

describe('row versions of the ledger register', () => {
  it('makes one version of the events of one write, told by their appendId, not by their positions', () => {
    // As EventStoreDB writes an append: each event its own position, one appendId for the three.
    const versions = versionsByCommitment([
      snapshot('c1', ['announced'], '1000/1000', 'append-1'),
      snapshot('c2', ['announced'], '1137/1137', 'append-1'),
      snapshot('c1', ['committed'], '1274/1274', 'append-1'),
      snapshot('c1', ['paid'], '1411/1411', 'append-2'),
    ]);
    expect(versions.get('c1')).toEqual([
      // Valid from the write's first event on, with the row its last event left.
      snapshot('c1', ['committed'], '1000/1000', 'append-1'),
      snapshot('c1', ['paid'], '1411/1411', 'append-2'),
    ]);
    expect(versions.get('c2')).toEqual([snapshot('c2', ['announced'], '1137/1137', 'append-1')]);
  });
});
