import { loadReferentials } from '@erbm/shared/referentials';
import { fixedClock } from '@erbm/shared/kernel';
import { ReferentialsController } from './referentials';

describe('referentials as valid today', () => {
  it('takes today in Paris: at 23:30 UTC on New Year’s Eve it is already the new year there', () => {
    const controller = new ReferentialsController(loadReferentials(), fixedClock('2023-12-31T23:30:00Z'));
    expect(controller.list('parties').date).toBe('2024-01-01');
    expect(controller.list('parties', '2023-12-31').date).toBe('2023-12-31');
  });
});
