// The emergency detector's general rules: denials, things already put right, hazards that are not happening, nobody inside.
import { describe, expect, it } from 'vitest';
import { loadDistrict } from '../../config/district.ts';
import { emergencyDetector } from './emergency.ts';
import { cleanText, normalise } from './normalize.ts';

const detect = emergencyDetector(loadDistrict().emergency_words);
const emergency = (text: string) => detect(normalise(cleanText(text))).emergency;

/** Each pair: an emergency, and the same matter with the words that make it none. */
function contrast(pairs: [string, string][]) {
  for (const [happening, not] of pairs) {
    expect(emergency(happening), happening).toBe(true);
    expect(emergency(not), not).toBe(false);
  }
}

describe('the emergency detector', () => {
  it('takes a denial before the danger word, in Mandarin or Sichuanese, as no emergency', () => {
    contrast([
      ['三号楼车棚着火了', '三号楼车棚没有着火，是路灯在闪'],
      ['厨房闻到煤气味，头有点晕', '厨房没闻到什么煤气味，就是灶打不燃'],
      ['物业检查后发现有人被困在货梯里', '物业检查后暂无人员被困，货梯停用待修'],
      ['燃气表后面的管子在漏，呲呲响', '燃气表后面的管子锈了，现在没漏，想换一根'],
      ['仓库后门冒烟了', '仓库后门莫得烟，是灰尘'],
    ]);
  });

  it('takes a matter put right, or explained, after the danger word as no emergency', () => {
    contrast([
      ['楼道里有股天然气味道', '楼道里有股天然气味道，师傅来把接头修好了，味道也散了'],
      ['对面阳台在冒烟', '对面阳台在冒烟，烟是邻居在熏香肠'],
      ['五楼那家油锅起火了', '五楼那家油锅起火了，锅盖一盖火就灭了'],
      ['单元门口两个人打起来了', '单元门口两个人差点打起来，被保安劝开了'],
    ]);
  });

  it('still raises the alarm when the danger is back, or is still going, after being put right', () => {
    for (const text of [
      '上个月漏气修好了，现在厨房又是一股煤气味',
      '灭火器喷了一下，火还在烧，越烧越大',
      '人救出来了一个，里面还有人出不来',
    ])
      expect(emergency(text), text).toBe(true);
  });

  it('tells a hazard or a worry from something happening now', () => {
    contrast([
      ['后厨的灶台着火了', '后厨液化气罐挨着明火灶具放，存在火灾隐患'],
      ['花盆从阳台掉下来砸到人了', '阳台边的花盆摆在外面，风一吹就晃，怕掉下来砸到人'],
      ['电梯困人了，按铃没人应', '电梯困人的时候按那个黄色按钮，可是按钮坏了'],
      ['上午报的那个漏气的，现在味道越来越大了', '上午报的那个漏气的，燃气公司来看了没有'],
      ['烧烤摊旁边的棚子着火了，烟子好大', '烧烤摊占了半边街，烟子飘过来熏得人睁不开眼'],
    ]);
  });

  it('is not fooled by heat, tempers, films or a TV set', () => {
    expect(emergency('今天太阳好毒，晒得人感觉要冒烟了')).toBe(false);
    expect(emergency('电视剧里那场火烧得好吓人')).toBe(false);
    expect(emergency('卧室电视机后面冒烟了，还有股糊味')).toBe(true);
  });

  it('clears a stuck lift or a collapse with nobody inside or under it, but never a fire', () => {
    contrast([
      ['电梯停在九楼和十楼之间，里面关着个老人', '电梯停在九楼和十楼之间，里面没人，就是用不了'],
      ['围墙倒了，下头有个娃娃遭压到了', '围墙倒了一截，还好当时莫得人'],
    ]);
    expect(emergency('车库里一辆车着火了，还好车里没人')).toBe(true);
  });

  it('finds dialect and voice-input emergencies in words it was not given', () => {
    for (const text of [
      '外婆摔到厕所头了 起不来 喊她也不答应',
      '河边有个娃儿栽到水头去了',
      '电梯卡起了里面的人一直在拍门',
      '屋头漏然气了 脑壳昏得很',
      '有个人开车进了下穿隧道出不来了 水还在涨',
    ])
      expect(emergency(text), text).toBe(true);
  });
});
