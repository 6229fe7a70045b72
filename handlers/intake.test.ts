// The report parser: the old labelled set, the learned model, emergencies that hide, intent, places, and a district's own catalog.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml, stringify } from 'yaml';
import { defaultDistrictPath, loadDistrict } from '../config/district.ts';
import { IN_DOUBT, IN_DOUBT_PLACED } from '../test/fixtures/in-doubt.ts';
import { readCorpus } from './intake/corpus.ts';
import { EMERGENCY_TUNING, notReported } from './intake/emergency-score.ts';
import { features } from './intake/features.ts';
import {
  linearFromJSON,
  loadModel,
  mixModels,
  modelFromJSON,
  tokenIds,
  trainLogistic,
  trainModel,
  WEIGHTS_URL,
  winkOdds,
} from './intake/model.ts';
import { normalise } from './intake/normalize.ts';
import { cleanText, createParser, LOW_CONFIDENCE } from './intake.ts';

const district = loadDistrict();
const parse = createParser(district);
const labelled = readCorpus(new URL('../test/fixtures/reports.jsonl', import.meta.url).pathname);

/** A copy of the sample district with `change` applied, written to a file and loaded from it. */
function districtWith(change: (doc: any) => void) {
  const doc = parseYaml(readFileSync(defaultDistrictPath, 'utf8'));
  change(doc);
  const file = join(mkdtempSync(join(tmpdir(), 'huying-intake-')), 'district.yaml');
  writeFileSync(file, stringify(doc));
  return loadDistrict(file);
}

describe('the old labelled set (171 reports)', () => {
  const results = labelled.map((r) => ({ r, d: parse(r.text) }));

  it('gets at least 97% of categories right', () => {
    const misses = results.filter(({ r, d }) => d.category !== r.category);
    const detail = misses.map(({ r, d }) => `${r.text} — want ${r.category}, got ${d.category}`);
    expect(misses.length, detail.join('\n')).toBeLessThanOrEqual(5);
  });

  it('flags every emergency and raises at most two false alarms', () => {
    expect(results.filter(({ r, d }) => r.emergency && !d.emergency).map(({ r }) => r.text)).toEqual([]);
    expect(results.filter(({ r, d }) => !r.emergency && d.emergency).length).toBeLessThanOrEqual(2);
  });

  it('finds every labelled place', () => {
    const misses = results.filter(({ r, d }) => r.location.length && !d.location?.includes(r.location[0]));
    expect(misses.map(({ r, d }) => `${r.text} — want ${r.location[0]}, got ${d.location}`)).toEqual([]);
  });
});

describe('the learned model', () => {
  it('loads the committed weights and classifies the same text the same way every time', () => {
    const model = loadModel('category');
    expect(model.labels).toContain('street_light');
    expect(model.labels).toContain('other');
    const tokens = features(normalise('楼下那截路晚黑黑起的，啥子都看不到'));
    const first = model.odds(tokens);
    expect([...first].sort((a, b) => b[1] - a[1])[0][0]).toBe('street_light');
    expect(model.odds(tokens)).toEqual(first);
    expect(modelFromJSON(readFileSync(new URL('category.json', WEIGHTS_URL), 'utf8')).odds(tokens)).toEqual(
      first,
    );
  });

  it('gives wink’s own odds, from its tables', () => {
    const json = readFileSync(new URL('intent.json', WEIGHTS_URL), 'utf8');
    const model = modelFromJSON(json);
    for (const text of ['谢谢，路灯修好了', '请问居住证在哪里办', '我上周反映的井盖还没修', '3栋电梯坏了']) {
      const tokens = features(normalise(text));
      const ours = model.odds(tokens);
      for (const [label, v] of winkOdds(json, tokens))
        expect(ours.get(label), `${text} ${label}`).toBeCloseTo(v, 9);
      // the parser hands the models numbered tokens (looked up once for all three): the same odds
      expect(model.odds(tokenIds(tokens))).toEqual(ours);
    }
  });

  it('trains to byte-identical weights from the same examples', () => {
    const examples = readCorpus(new URL('../test/fixtures/corpus/train.jsonl', import.meta.url).pathname)
      .slice(0, 300)
      .map((r) => ({ tokens: features(normalise(r.text)), label: r.intent }));
    const a = trainModel(examples);
    expect(trainModel(examples)).toBe(a);
    expect(a.length).toBeGreaterThan(1000);
  });

  it('reads a logistic regression as its bias plus the weights of the tokens present, each once', () => {
    const model = linearFromJSON(
      JSON.stringify({ kind: 'logistic', label: 'yes', bias: -2, weights: { 'w:着火': 5, 'u:烟': 1.5 } }),
    );
    expect(model.odds(['w:着火'])).toEqual(new Map([['yes', 3]]));
    // a token said twice counts once, in names or in numbers
    expect(model.odds(['w:着火', 'u:烟', 'w:着火'])).toEqual(new Map([['yes', 4.5]]));
    expect(model.odds(tokenIds(['u:烟', 'u:烟', 'w:没见过']))).toEqual(new Map([['yes', -0.5]]));
    // none of its tokens: no opinion, as for naive Bayes
    expect(model.odds(['w:路灯'])).toEqual(new Map());
    const mixed = mixModels([
      [model, 1],
      [
        linearFromJSON(JSON.stringify({ kind: 'logistic', label: 'yes', bias: 0, weights: { 'u:烟': 8 } })),
        0.25,
      ],
    ]);
    expect(mixed.odds(['w:着火', 'u:烟'])).toEqual(new Map([['yes', 4.5 + 2]]));
    expect(mixed.odds(['w:着火'])).toEqual(new Map([['yes', 3]]));
    expect(mixed.odds(['w:路灯'])).toEqual(new Map());
  });

  it('trains a logistic regression deterministically, toward the words that tell the label', () => {
    // every 5th line: the corpus grew wave by wave, and its first lines name no emergency
    const lines = readCorpus(new URL('../test/fixtures/corpus/train.jsonl', import.meta.url).pathname).filter(
      (_, i) => i % 5 === 0,
    );
    const examples = lines.map((r) => ({ tokens: features(normalise(r.text)), positive: r.emergency }));
    const json = trainLogistic(examples, 'yes');
    expect(trainLogistic(examples, 'yes')).toBe(json);
    const model = linearFromJSON(json);
    const score = (text: string) => model.odds(features(normalise(text))).get('yes')!;
    for (const text of ['着火了，快来人', '电梯关了人出不来']) expect(score(text), text).toBeGreaterThan(0);
    for (const text of ['路灯不亮了，麻烦修一下', '垃圾好几天没人收'])
      expect(score(text), text).toBeLessThan(0);
    // tokens in fewer than three messages carry no weight
    const messages = new Map<string, number>();
    for (const e of examples) for (const t of new Set(e.tokens)) messages.set(t, (messages.get(t) ?? 0) + 1);
    const rare = [...messages].filter(([, n]) => n < 3).map(([t]) => t);
    expect(rare.length).toBeGreaterThan(0);
    const { weights } = JSON.parse(json) as { weights: Record<string, number> };
    expect(rare.filter((t) => t in weights)).toEqual([]);
  });

  it('keeps the blind waves (and the waves read but not trained on) out of training: valid labelled files, no line of them in the training corpus', () => {
    const corpus = (name: string) =>
      readCorpus(new URL(`../test/fixtures/corpus/${name}`, import.meta.url).pathname);
    const key = (text: string) => text.normalize('NFKC').replace(/\s/g, '');
    const trained = new Set(corpus('train.jsonl').map((r) => key(r.text)));
    for (const [name, lines] of [
      ['blind.jsonl', 885],
      ['blind7.jsonl', 590],
      ['blind9.jsonl', 591],
      ['blind11.jsonl', 594],
      ['blind12.jsonl', 598],
      ['blind13.jsonl', 592],
      ['blind15.jsonl', 588],
      ['blind17.jsonl', 594],
      ['blind20.jsonl', 591],
      ['blind22.jsonl', 590],
      ['blind24.jsonl', 593],
      ['blind26.jsonl', 594],
      ['blind28.jsonl', 493],
      ['blind30.jsonl', 486],
      ['blind32.jsonl', 486],
      ['blind34.jsonl', 479],
      ['blind36.jsonl', 484],
      ['blind38.jsonl', 244],
      ['blind40.jsonl', 241],
      // read and made rules for, not trained on (TRAINING.md, items 18 to 20)
      ['read21.jsonl', 597],
      ['read23.jsonl', 593],
      ['read25.jsonl', 589],
      ['read27.jsonl', 488],
      ['read29.jsonl', 485],
      ['read31.jsonl', 486],
      ['read33.jsonl', 482],
      ['read35.jsonl', 486],
      ['read37.jsonl', 243],
      ['read39.jsonl', 243],
    ] as const) {
      const blind = corpus(name);
      expect(blind.length).toBe(lines);
      expect(blind.filter((r) => trained.has(key(r.text)))).toEqual([]);
    }
  });
});

describe('emergencies', () => {
  it('takes a sigh of 救命 in a longer message about something else as none, and a cry on its own or from a lift as one', () => {
    for (const text of [
      '救命，我婆婆的高龄补贴到底在哪里申请？社区跑了三趟都没弄清楚',
      '楼下那排梧桐飞毛毛飞得凶哦，救命，一到春天娃娃就打喷嚏流鼻涕',
    ])
      expect(parse(text).emergency, text).toBe(false);
    for (const text of [
      '救命！',
      '救命 电梯卡住了 我在里面',
      '救命啊 我在写字楼货梯里头卡起了 手机只有一格信号',
    ])
      expect(parse(text).emergency, text).toBe(true);
  });

  it('finds people stuck in a lift between floors without the obvious words', () => {
    for (const text of [
      '电梯停在五楼和六楼中间不动了，我妈在里面',
      '电梯卡在两层之间，里面有个小孩一直在哭',
      '电梯突然停了，我们三个人在里面',
    ]) {
      expect(parse(text), text).toMatchObject({
        emergency: true,
        tier: 'emergency',
        category: 'trapped_lift',
      });
    }
  });

  it('finds fire, gas, a collapse near people, a live wire and an injury described in plain words', () => {
    for (const text of [
      '楼道里突然全是烟，呛得睁不开眼',
      '一进单元门就一股臭鸡蛋味，越往上越冲',
      '老墙垮了，底下好像压到人了',
      '电线断了掉在人行道上，还在冒火花',
      '有个老人在路边晕倒了，叫都叫不醒',
      '救命！',
    ]) {
      expect(parse(text).emergency, text).toBe(true);
    }
  });

  it('does not raise alarms over worries, past events, drills, hot pot and figures of speech', () => {
    for (const text of [
      '楼道堆满纸箱，万一着火后果不堪设想',
      '电瓶车天天推到屋头充，要是哪天起火了整栋楼都要遭',
      '昨晚楼下车棚着火了，已经扑灭了，但是现在一地的灰没人清',
      '刚才电梯困人，物业已经把人救出来了，人没事',
      '社区下周三搞消防演习，模拟着火疏散，请大家配合',
      '楼下那家火锅店生意火爆，排队的人把人行道占了',
      '隔壁吵得我恼火得很，半夜三更还在放歌',
      '被楼上噪音困扰很久了',
      '燃气费在哪里交',
    ]) {
      expect(parse(text).emergency, text).toBe(false);
    }
  });

  it('takes a district’s own emergency words as well as its own', () => {
    const extended = districtWith((doc) => {
      doc.emergency_words = [...doc.emergency_words, '羊癫疯'];
    });
    expect(parse('楼下有人羊癫疯发作了').emergency).toBe(false);
    expect(createParser(extended)('楼下有人羊癫疯发作了').emergency).toBe(true);
  });
});

describe('an alarm in a message that is not a report', () => {
  it('is set aside when the message reads firmly as thanks or chit-chat, and kept for the sender to report', () => {
    for (const text of [
      '刚才那个老太太在电梯里头喊，物业师傅来把门撬开了，人好好的，谢谢哈',
      '群里有人在传锦华路要爆炸，别信哈，是燃气公司在做管道放散，社区发了公告的',
    ]) {
      const d = parse(text);
      expect(d.emergency, text).toBe(false);
      expect(d.alarmSetAside, text).toBe(true);
      expect(d.intent, text).not.toBe('report');
    }
  });

  it('never for a short cry or a message with a word of urgency now', () => {
    for (const text of [
      '救命啊',
      '🆘🆘🆘',
      '有人落水',
      '请问电梯里关了人打哪个电话，快点',
      '娃娃吞了一颗纽扣电池，现在在哭，怎么办',
      // a danger cried out after the question, and one after 先说急的
      '请问这种情况该打哪个电话啊，老人还在水里头！',
      '想问一下是先打119还是先找物业？隔壁厨房着火了，火苗窜得好高',
      '请问周日的活动在哪里集合呀，先说急的，成龙路那边一栋楼二楼在烧，窗户边有人',
    ]) {
      const d = parse(text);
      expect(d.emergency, text).toBe(true);
      expect(d.alarmSetAside, text).toBe(false);
    }
  });

  it('is dropped only past the tuned lead and length', () => {
    const text = '刚才那个老太太在电梯里头喊，物业师傅来把门撬开了，人好好的，谢谢哈';
    const t = normalise(cleanText(text));
    expect(notReported(t, EMERGENCY_TUNING.intentLead + 0.1)).toBe(true);
    expect(notReported(t, EMERGENCY_TUNING.intentLead)).toBe(false);
    expect(notReported('谢谢救命', 10)).toBe(false);
    expect(notReported(`${t}，现在`, 10)).toBe(false);
  });
});

describe('intent', () => {
  it('tells a new report from thanks, a follow-up, a question and chit-chat', () => {
    const cases: [string, string][] = [
      ['锦华路88号的路灯三天没亮了', 'report'],
      ['谢谢社区，路灯已经修好了', 'thanks'],
      ['我上周反映的井盖到现在还没人来修', 'followup'],
      ['请问居住证在哪里办理，要带什么材料', 'question'],
      ['大家早上好', 'chitchat'],
    ];
    for (const [text, intent] of cases) expect(parse(text).intent, text).toBe(intent);
  });

  it('keeps a new matter that comes with thanks a report', () => {
    expect(parse('谢谢上次修好路灯，另外楼下的垃圾又三天没人收了')).toMatchObject({
      intent: 'report',
      category: 'garbage',
    });
  });
});

describe('places', () => {
  it('keeps relative words out of the place, as a note beside it', () => {
    expect(parse('东湖公园旁边有人摆摊')).toMatchObject({ location: '东湖公园', locationNote: '旁边' });
    expect(parse('锦华路88号对面的路灯坏了')).toMatchObject({ location: '锦华路88号', locationNote: '对面' });
    expect(parse('水井坊那边有人倒建渣')).toMatchObject({ location: '水井坊', locationNote: '那边' });
    expect(parse('九眼桥下面的路灯坏了')).toMatchObject({ location: '九眼桥', locationNote: '下面' });
  });

  it('reads roads and numbers, 小区 with buildings and units, and landmarks', () => {
    expect(parse('@呼应助手 锦华苑小区3栋2单元门口的路灯不亮了，电话13812345678').location).toBe(
      '锦华苑小区3栋2单元门口',
    );
    // 门口 belongs to a landmark, not to a house number (the corpus's labelling rule)
    expect(parse('晨辉社区锦华路88号门口下水道堵了').location).toBe('锦华路88号');
    expect(parse('东湖南路菜市场门口的摊摊占道').location).toBe('东湖南路菜市场门口');
    expect(parse('金像社区一号院的化粪池满了').location).toBe('金像社区一号院');
    expect(parse('莲新社区3栋的电梯坏了').location).toBe('莲新社区3栋');
    expect(parse('锦绣华庭3栋2单元楼道灯不亮').location).toBe('锦绣华庭3栋2单元');
    expect(parse('学校门口的小摊卖过期零食').location).toBe('学校门口');
    expect(parse('菜市场那个卖鱼的鱼都臭了').location).toBe('菜市场');
    expect(parse('停车场角落有辆车两年没动过').location).toBe('停车场');
    expect(parse('静康路与三官堂街交界处积水').location).toBe('静康路与三官堂街交界处');
    expect(parse('晚上走路黑黢黢的，一栋楼都看不见').location).toBeNull();
  });

  it('leaves run-on filler out of a name, and takes 里 before 小区 as part of it', () => {
    expect(parse('我头有点晕晨辉佳苑5栋1单元厨房一股然气味').location).toBe('晨辉佳苑5栋1单元');
    expect(parse('本人为锦华路二段66号快递站员工，老板欠了两个月工资').location).toBe('锦华路二段66号');
    expect(parse('去说了也不听成龙路那个工地半夜还在打桩').location).toBe('成龙路');
    expect(parse('巡楼的时候发现9栋1单元楼道有人充电').location).toBe('9栋1单元');
    expect(parse('今天上午锦华苑11栋门口垃圾没人收').location).toBe('锦华苑11栋门口');
    expect(parse('补充一下东光街19号院的围墙还在晃').location).toBe('东光街19号院');
    expect(parse('下东大街有人占道').location).toBe('下东大街');
    expect(parse('新华里小区6栋的电梯又坏了').location).toBe('新华里小区6栋');
  });

  it('names no place for sweeping the street, a hospital someone was taken to, or an estate someone walks through, and leaves a time said before a place out of it', () => {
    for (const text of [
      '天不亮就出门扫街的叔叔阿姨辛苦了',
      '王嬢嬢说她在这片扫了十几年街',
      '楼下那个大爷中暑送医院了，听说没得事',
      '外卖能不能骑车走小区的消防通道？',
    ])
      expect(parse(text).location, text).toBeNull();
    // a time said before a place is not part of it
    expect(parse('今晚东湖公园那边好吵').location).toBe('东湖公园');
    expect(parse('半夜12栋楼下有人在吵架').location).toBe('12栋');
    // a landmark with its own name still is one
    expect(parse('东湖医院门口有人晕倒了').location).toBe('东湖医院门口');
  });

  it('crosses a name that ends in 楼 (望江楼公园) and keeps a named stretch with its 段, not a gate’s', () => {
    expect(parse('望江楼公园西门外头那排路灯全部黑起的').location).toBe('望江楼公园西门');
    expect(parse('府河望江楼段河面漂了好多死鱼').location).toBe('府河望江楼段');
    expect(parse('沙河牛市口段有人往河头倒泔水').location).toBe('沙河牛市口段');
    expect(parse('下东大街段58号门口的井盖翘起了').location).toBe('下东大街段58号');
    // the stretch of road by a gate is the gate's place; a floor (5楼) still ends a name
    expect(parse('东湖公园南门段的路灯白天都亮起的').location).toBe('东湖公园南门');
    expect(parse('那段路上全是坑').location).toBeNull();
  });

  it('knows the district’s well-known places without a suffix, a typed 断 for 段, an estate’s phase and a grid worker’s opening', () => {
    expect(parse('太古里后面那条巷子被桌子板凳占完了')).toMatchObject({
      location: '太古里',
      locationNote: '后面',
    });
    expect(parse('水井坊井盖没了').location).toBe('水井坊');
    expect(parse('牛市口夜市那个炸串摊油锅燃起来了').location).toBe('牛市口');
    expect(parse('太古里广场有人摆摊').location).toBe('太古里广场');
    expect(parse('成龙大道一断那个井盖烂了个洞').location).toBe('成龙大道一断');
    expect(parse('翡翠城二期门口那家超市把雨棚搭到盲道上').location).toBe('翡翠城二期门口');
    expect(parse('关于东湖公园北门路灯不亮的问题，请尽快处理').location).toBe('东湖公园北门');
    // a road named first keeps the place; a building's estate name runs over a well-known name
    expect(parse('成龙大道二段往三圣乡方向那个井盖缺了一块').location).toBe('成龙大道二段');
    expect(parse('水井坊老院子12栋顶楼窗子烂了').location).toBe('水井坊老院子12栋');
  });

  it('takes a crossing whose second road runs into 路口 or has its own section, and a direction’s stretch before a number', () => {
    expect(parse('东光路与东顺路口那个井盖碎了一半').location).toBe('东光路与东顺路口');
    expect(parse('成龙大道二段和龙舟路口有个大坑').location).toBe('成龙大道二段和龙舟路口');
    expect(parse('晨辉路和锦华路三段路口的雨箅子堵了').location).toBe('晨辉路和锦华路三段路口');
    expect(parse('新华大道东段88号门口堆满了建渣').location).toBe('新华大道东段88号');
    // a direction's stretch with no number stays off the road's name; a crossing needs a road's name
    expect(parse('红星路中段有个井盖松动了').location).toBe('红星路');
    expect(parse('我和他在路口吵了一架').location).toBeNull();
  });

  it("recognises a community's short name in its own chat only", () => {
    expect(parse('晨辉的路灯坏了').location).toBeNull();
    expect(parse('晨辉的路灯坏了', { communityCode: 'chenhui', streetCode: 'jinhualu' }).location).toBe(
      '晨辉',
    );
  });
});

describe('categories, confidence and alternatives', () => {
  it('takes tier and departments from the catalog and says how sure it is', () => {
    const d = parse('书院街45号有人在楼顶私搭了一间违建');
    expect(d).toMatchObject({
      category: 'illegal_build',
      categoryName: '违章搭建',
      tier: 'general',
      lead: 'cgw',
      co: ['zjj'],
      departments: ['cgw', 'zjj'],
      emergency: false,
    });
    expect(d.matched).toContain('违建');
    expect(d.confidence).toBeGreaterThan(LOW_CONFIDENCE);
    expect(d.alternatives).toHaveLength(3);
    expect(d.alternatives[0]).toEqual({ category: 'illegal_build', name: '违章搭建', score: d.confidence });
    expect(d.alternatives[1].score).toBeLessThanOrEqual(d.alternatives[0].score);
  });

  it('is unsure about a message that names no matter, and says other', () => {
    for (const text of ['asdf qwer', '', '   ', '@呼应助手 ']) {
      const d = parse(text);
      expect(d.category, text).toBe('other');
      expect(d.departments).toEqual([]);
      expect(d.emergency).toBe(false);
      expect(d.location).toBeNull();
    }
    expect(parse('这个事情你们管不管嘛').confidence).toBeLessThan(LOW_CONFIDENCE);
  });

  it('reads dialect, voice input and typos', () => {
    expect(parse('楼下那截路晚黑黑起的，啥子都看不到').category).toBe('street_light');
    expect(parse('一落雨就遭淹水都漫到膝盖头了').category).toBe('drainage');
    expect(parse('电题坏了三天了没人修').category).toBe('lift_fault');
    expect(parse('路边有辆车停了几个月了，轮胎都瘪了').category).toBe('abandoned_car');
  });

  it('takes the more urgent of two matters, else the first', () => {
    expect(parse('楼道灯坏了，而且楼道里有一股很浓的燃气味').category).toBe('gas_leak');
    expect(parse('路灯坏了好几天，另外垃圾桶也满了没人收').category).toBe('street_light');
  });

  it('recognises a catalog item a district adds, with its keywords, before any retraining', () => {
    const withPets = districtWith((doc) => {
      doc.catalog.splice(doc.catalog.length - 1, 0, {
        code: 'pet_waste',
        name: '宠物粪便',
        tier: 'simple',
        keywords: ['狗屎', '狗粪', '宠物粪便'],
      });
    });
    expect(loadModel('category').labels).not.toContain('pet_waste');
    const d = createParser(withPets)('楼道里全是狗屎，天天没人收拾');
    expect(d).toMatchObject({ category: 'pet_waste', categoryName: '宠物粪便', tier: 'simple' });
    expect(d.matched).toContain('狗屎');
  });

  it('ignores model classes the district does not have', () => {
    const noCars = districtWith((doc) => {
      doc.catalog = doc.catalog.filter((c: { code: string }) => c.code !== 'abandoned_car');
    });
    const d = createParser(noCars)('楼下有辆僵尸车停了两年，轮胎都瘪了');
    expect(d.category).not.toBe('abandoned_car');
    expect(d.alternatives.map((a) => a.category)).not.toContain('abandoned_car');
  });
});

describe('cleanText', () => {
  it('drops mentions and collapses whitespace', () => {
    expect(cleanText('  @呼应助手\u2005锦华路   路灯\n不亮 ')).toBe('锦华路 路灯 不亮');
    expect(cleanText('@_user_1 东大街积水')).toBe('东大街积水');
  });
});

describe('a report in doubt', () => {
  it('is marked where the learned score leans toward danger without raising the alarm', () => {
    for (const text of [IN_DOUBT, IN_DOUBT_PLACED, '地下室好像有人住', '小区门口有人在吵架，声音好大']) {
      const d = parse(text);
      expect(d, text).toMatchObject({ intent: 'report', emergency: false, alarmDoubt: true });
    }
  });

  it('is not marked for an ordinary report, an emergency or a non-report', () => {
    for (const text of [
      '晨辉路12号路灯不亮了，晚上很黑',
      '东光社区门口垃圾堆了好几天了',
      '楼上装修电钻声吵死了',
      '电梯卡在三楼和四楼中间，里面有个婆婆在喊',
      '谢谢，路灯修好了',
    ])
      expect(parse(text).alarmDoubt, text).toBe(false);
  });
});
