// The fair ranking rule, written once and read by the bulletin, its chart and exports, and the
// console: a department is ranked by its average process score shrunk toward the district's
// mean, as if it had RANKING_PRIOR_WEIGHT more scores at that mean. A department with one score
// of 100 does not top one with forty scores of 95: (100 + 5 × mean) / 6 stays near the mean,
// while forty scores weigh far more than five imagined ones. With no score it is not ranked on
// score at all (the bulletin then looks at its on-time rates).

/** How many imagined scores at the district's mean each department starts with. */
export const RANKING_PRIOR_WEIGHT = 5;

/** The rule in words, for reports and the README. */
export const RANKING_RULE = `按过程评议平均分排名，并向全区平均分收缩：排名分 =（本部门得分之和 + ${RANKING_PRIOR_WEIGHT} × 全区平均分）÷（本部门评分次数 + ${RANKING_PRIOR_WEIGHT}），评分次数越少越接近全区平均；同分看响应率、按时办结率`;

export interface ScoreTotals {
  sum: number;
  count: number;
}

/** The district's mean over every department's scores; null with none. */
export function districtMean(all: ScoreTotals[]): number | null {
  const sum = all.reduce((s, t) => s + t.sum, 0);
  const count = all.reduce((s, t) => s + t.count, 0);
  return count ? sum / count : null;
}

/** A department's ranking score: its average shrunk toward the district's mean; null with no score. */
export function rankingScore(t: ScoreTotals, mean: number | null): number | null {
  if (!t.count || mean === null) return null;
  return (t.sum + RANKING_PRIOR_WEIGHT * mean) / (t.count + RANKING_PRIOR_WEIGHT);
}
