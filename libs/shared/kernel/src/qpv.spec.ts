import { isQpvCode, qpvDepartement, qpvGeneration } from './qpv';

describe('QPV codes', () => {
  it('reads the 2015 and the 2024 geographies', () => {
    expect(qpvGeneration('QP059001')).toBe('2015');
    expect(qpvGeneration('QP062045')).toBe('2015');
    expect(qpvGeneration('QP02A001')).toBe('2015');
    expect(qpvGeneration('QN06201M')).toBe('2024');
    expect(qpvGeneration('QN05912N')).toBe('2024');
    expect(qpvGeneration('QN97101I')).toBe('2024');
  });

  it('refuses what is no QPV code', () => {
    for (const bad of ['', 'QP59001', 'QP0590012', 'qp059001', 'QN059001', 'QN05901X', 'QN0590M', 'QP05900A', 'QX059001', ' QP059001', 59001, null])
      expect(isQpvCode(bad)).toBe(false);
  });

  it('gives the département a code names', () => {
    expect(qpvDepartement('QP059001')).toBe('59');
    expect(qpvDepartement('QN06201M')).toBe('62');
    expect(qpvDepartement('QP02A001')).toBe('2A');
    expect(qpvDepartement('QN97101I')).toBe('971');
    expect(qpvDepartement('nope')).toBeUndefined();
  });
});
