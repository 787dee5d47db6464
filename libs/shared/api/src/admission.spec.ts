import { AdmissionPolicy } from './admission';

/** A clock the test moves by hand. */
function manualClock() {
  let t = 0;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

describe('admission policy', () => {
  it('lets in whatever comes until a request has ended, up to its cap; a request leaves once', () => {
    const policy = new AdmissionPolicy(3, 400, { now: manualClock().now });
    const letIn = [policy.enter(), policy.enter(), policy.enter()];
    expect(letIn.map((leave) => typeof leave)).toEqual(['function', 'function', 'function']);
    expect([policy.enter(), policy.inFlight]).toEqual([undefined, 3]);
    letIn[0]?.();
    letIn[0]?.();
    expect(policy.inFlight).toBe(2);
  });

  describe('once requests have ended', () => {
    it('lets in as many as fit in the target at what a request costs, fewer when requests get slower', () => {
      const clock = manualClock();
      const policy = new AdmissionPolicy(32, 400, { alwaysLetIn: 1, now: clock.now });
      // Alone, a request took 100 ms: one costs 100 ms.
      const alone = policy.enter();
      clock.advance(100);
      alone?.();
      expect(policy.cost).toBe(100);
      // Four at once take about 400 ms: within the target; a fifth would make it 500 ms.
      const four = [1, 2, 3, 4].map(() => policy.enter());
      expect(four.map((leave) => typeof leave)).toEqual(['function', 'function', 'function', 'function']);
      expect(policy.enter()).toBeUndefined();
      // The four took 800 ms, not 400: the machine is slower now. A request costs about 257 ms (moving average of
      // 800 / 1, 800 / 2, 800 / 3 and 800 / 4, each divided by the requests in progress when it was let in).
      clock.advance(800);
      for (const leave of four) leave?.();
      expect(policy.cost).toBeCloseTo(256.75, 1);
      // One fits in 400 ms, not two.
      const one = policy.enter();
      expect([typeof one, policy.enter()]).toEqual(['function', undefined]);
    });

    it('lets more in again as requests get cheaper, never past the cap', () => {
      const clock = manualClock();
      const policy = new AdmissionPolicy(8, 400, { alwaysLetIn: 1, now: clock.now });
      const slow = policy.enter();
      clock.advance(400);
      slow?.();
      const first = policy.enter();
      expect([typeof first, policy.enter()]).toEqual(['function', undefined]);
      clock.advance(1);
      first?.();
      // Requests of 1 ms, one at a time, bring the cost down: then eight fit, and the ninth meets the cap.
      for (let i = 0; i < 40; i++) {
        const quick = policy.enter();
        clock.advance(1);
        quick?.();
      }
      const admitted: (() => void)[] = [];
      for (let leave = policy.enter(); leave; leave = policy.enter()) admitted.push(leave);
      expect([admitted.length, policy.inFlight]).toEqual([8, 8]);
    });

    it('always lets a handful in, however costly requests have been', () => {
      const clock = manualClock();
      const policy = new AdmissionPolicy(32, 400, { now: clock.now });
      const slow = policy.enter();
      clock.advance(10_000);
      slow?.();
      const handful = Array.from({ length: 10 }, () => policy.enter());
      expect(handful.every((leave) => typeof leave === 'function')).toBe(true);
      expect(policy.enter()).toBeUndefined();
    });
  });
});
