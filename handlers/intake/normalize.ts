// Text clean-up shared by every intake step: mentions out, whitespace collapsed, common homophone typos put right.

// Lark puts @_user_1 placeholders; WeChat ends a mention with U+2005. A mention glued to the
// text with no separator cannot be told from the text, so it stays.
const MENTION = /@_user_\d+|@[^\s@]{1,24}(?=\s|$)/g;

export function cleanText(raw: string): string {
  return raw.replace(MENTION, ' ').replace(/\s+/g, ' ').trim();
}

/**
 * Voice input and pinyin keyboards swap a character for one that sounds alike: 电题 for 电梯,
 * 然气 for 燃气. Each pair keeps its length, so positions in the fixed text are positions in the
 * original (the location is cut from the original). Only pairs that are not words of their own.
 */
const HOMOPHONES: readonly [string, string][] = (
  '路等:路灯 路登:路灯 露灯:路灯 照名:照明 拉级:垃圾 拉圾:垃圾 垃级:垃圾 拉极:垃圾 井该:井盖 井丐:井盖 ' +
  '电题:电梯 电剃:电梯 店梯:电梯 电体:电梯 点梯:电梯 然气:燃气 然汽:燃气 燃汽:燃气 染气:燃气 煤汽:煤气 霉气:煤气 ' +
  '漏汽:漏气 着伙:着火 起伙:起火 失伙:失火 冒言:冒烟 浓言:浓烟 鸡水:积水 积谁:积水 下水到:下水道 下水倒:下水道 ' +
  '躁音:噪音 燥音:噪音 扰明:扰民 施功:施工 违见:违建 围建:违建 私打:私搭 加该:加盖 停店:停电 停点:停电 ' +
  '断点了:断电了 过其:过期 精营:经营 变只:变质 拖歉:拖欠 工姿:工资 公资:工资 欠新:欠薪 将尸车:僵尸车 ' +
  '僵死车:僵尸车 姜尸车:僵尸车 废气车:废弃车 修减:修剪 树到了:树倒了 树技:树枝 占到经营:占道经营 ' +
  '摆滩:摆摊 人行到:人行道 乱方:乱放 容意:容易 苍绳:苍蝇 见筑:建筑 电现:电线 线揽:线缆 冲电:充电 ' +
  '消防通到:消防通道 灭火气:灭火器 发丑:发臭 物水:污水 堵色:堵塞 破顺:破损 憋了:瘪了 困主:困住 ' +
  '天然汽:天然气 电提:电梯 电题:电梯 昏道:昏倒 晕道:晕倒 就命:救命 危方:危房 开列:开裂 拖落:脱落 反应的:反映的 回副:回复 感射:感谢 跨下来:垮下来 救名:救命 冒眼:冒烟'
)
  .split(' ')
  .map((p) => p.split(':') as [string, string]);

/** NFKC, lower case, and the homophone fixes; the result has the same length as the input. */
export function normalise(text: string): string {
  let out = text.normalize('NFKC').toLowerCase();
  // NFKC can change lengths (compatibility characters); positions matter only for Chinese text.
  if (out.length !== text.length) out = text.toLowerCase();
  for (const [typo, right] of HOMOPHONES) if (out.includes(typo)) out = out.split(typo).join(right);
  return out;
}
