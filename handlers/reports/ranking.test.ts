import { describe, expect, it } from 'vitest';
import { districtMean, RANKING_PRIOR_WEIGHT, rankingScore } from './ranking.ts';

describe('the fair department ranking', () => {
  it('does not let one perfect score top forty good ones', () => {
    const one = { sum: 100, count: 1 };
    const forty = { sum: 40 * 95, count: 40 };
    const mean = districtMean([one, forty, { sum: 10 * 70, count: 10 }])!;
    expect(one.sum / one.count).toBeGreaterThan(forty.sum / forty.count); // by raw average it would win
    expect(rankingScore(forty, mean)!).toBeGreaterThan(rankingScore(one, mean)!);
  });

  it('moves a department toward its own average as its scores grow, and ranks none without scores', () => {
    const mean = 80;
    const few = rankingScore({ sum: 2 * 100, count: 2 }, mean)!;
    const many = rankingScore({ sum: 200 * 100, count: 200 }, mean)!;
    expect(few).toBeCloseTo((200 + RANKING_PRIOR_WEIGHT * 80) / (2 + RANKING_PRIOR_WEIGHT));
    expect(many).toBeGreaterThan(few);
    expect(many).toBeLessThan(100);
    expect(rankingScore({ sum: 0, count: 0 }, mean)).toBeNull();
    expect(districtMean([])).toBeNull();
  });
});
