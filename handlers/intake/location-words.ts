// Word lists for finding the place in a report: what ends a name, what extends a place, what only points near it.

const words = (...lines: string[]): string[] => lines.join(' ').split(/\s+/).filter(Boolean);
/** Longest first, so a regex alternation prefers 大门口 to 大门. */
const longestFirst = (list: string[]) => [...list].sort((a, b) => b.length - a.length);

/** Characters that cannot be part of a place name: they end the walk leftwards from 路/街/公园. */
export const PLACE_STOP_CHARS = new Set([
  ...'的了在是我你他她它们这那哪有和与及到从往向把被给让跟就都也还又很说去来看个条段处家边旁对面附近进倒出入得问某',
  ...'里内外上下前后左右着过吗呢吧啊呀哦嘛请帮快区省县镇座每些点楼栋号单元那截头致因至离经',
]);

/** The fewer characters that cannot end a name either: 太古里 and 牛市口 end in 里 and 口. */
export const NAME_END_STOP_CHARS = new Set([
  ...'的了在是我你他她它们这那哪有和与及到从往向把被给让跟就都也还又很太说去来看个条',
]);

/** What a name before 旁边/那边 must end in to be taken for a place: 合江亭, 水井坊, 太古里. */
export const NEAR_NAME_ENDINGS = '亭坊里口寺园场站院宫馆庙门阁塔村湾坝城桥苑府堂巷厦乡岛';

/** The same before 那/这 (水井坊那几家酒吧), where 楼梯口那些 and 顶楼那家 are no places. */
export const DEMONSTRATIVE_NAME_ENDINGS = '亭坊里口寺宫馆庙阁塔村湾坝城苑府堂厦乡岛';

/** Words before 那几家/这边 that also make a name a place: 水井坊那几家酒吧, 盐市口某烘焙店. */
export const DEMONSTRATIVES = ['那', '这'];
export const SOME = '某';

/**
 * The district's well-known places that no suffix marks, or that end in a character which
 * otherwise ends a walk: each is a place on its own (太古里后面, 水井坊井盖没了, 牛市口夜市) and a
 * walk crosses it whole (望江楼公园, 太古里广场). A district adds its own here.
 */
export const WELL_KNOWN_NAMES = [
  '望江楼',
  '太古里',
  '水井坊',
  '牛市口',
  '三圣乡',
  '合江亭',
  '九眼桥',
  '大慈寺',
  '兰桂坊',
];

/** Words that begin a name with a character that otherwise ends a walk: 和平街, 上东大街. */
export const NAME_OPENINGS = ['和平', '上东大', '下东大', '上河', '下河', '上池', '下池', '太平'];

/** Filler a leftward walk may pick up in front of a name: 举报锦华路 is 锦华路. */
export const LEADING_NOISE = words(
  '门口 出口 路口 旁边 这边 那边 这里 那里 就是 还有 现在 今天 昨天 晚上 早上 每天 一直 大家 东西 刚才',
  '反映 请问 麻烦 老是 经常 好像 发现 听说 位于 地址 地点 位置 报告 举报 投诉 一下 这个 那个 一个 整个',
  '我们 你们 他们 咱们 住在 就在 应该是 是在 路过 今早 昨晚 刚刚 下雨 一下雨 一到 沿线 辖区 片区 整条 喂',
  '明天 后天 前天 今晚 半夜 凌晨 中午 周末 老旧 老 新建 周边 沿街 雨 大雨 部分 安置 感谢 谢谢',
  // run-on voice input: 头有点晕晨辉佳苑, 本人为锦华路, 也不听成龙路, 的时候发现9栋, 上午锦华苑
  '晕 本人 为 不听 时候 午',
  // a grid worker's or volunteer's opening: 关于东湖公园北门…, 巡逻发现东光小区…
  '关于 巡逻 巡查 巡逻发现 巡查发现',
).sort((a, b) => b.length - a.length);

/** Words after a place that are part of it: 东湖公园门口, 静康路口, 牛市口地铁站B口. */
export const PLACE_EXTENSIONS = longestFirst(
  words(
    '交叉口 十字路口 交界处 交汇处 大门口 门口 大门 东门 西门 南门 北门 正门 侧门 后门 前门 门前 入口 出口 路口 口',
  ),
);

/**
 * Words that only point near a place (对面, 旁边, 边上, 那边): kept out of the place and returned
 * as its note, so 东湖公园旁边 is the place 东湖公园 with the note 旁边.
 */
export const RELATIVE_WORDS = longestFirst(
  words(
    '对面 旁边 边上 那边 这边 附近 隔壁 周边 周围 一带 后面 背后 外面 外头 里面 里头 下面 底下 楼下 楼上',
    '上面 前面 转角 拐角 那里 这里 那儿 那块 那段 那截 一侧 两侧 沿线 方向 后头 前头 片区 头',
  ),
);

/** After a name, these make it a landmark on its own (合江亭旁边); 后面/里面 are too vague for that. */
export const NEAR_WORDS = words('门口 旁边 对面 附近 隔壁 那边 这边 一带 边上 片区');

/** Place nouns that end a named landmark: 锦华苑小区, 东湖公园, 晨辉家园. */
export const LANDMARK_SUFFIXES = longestFirst(
  words(
    '农贸市场 菜市场 幼儿园 地铁站 公交站 体育馆 小区 广场 公园 市场 学校 小学 中学 医院 商场 超市',
    '大厦 酒店 银行 花园 家园 新村 大院 游乐场 停车场 篮球场 写字楼 商业街 步道 绿道 隧道 亭',
    '苑 府 华庭 公馆 公寓 名门 名居 雅居 城 湾 大楼 宿舍 菜场 卫生院 派出所 政府 图书馆 体育场',
  ),
);

/** Landmarks that are a place even without a name: 菜市场有个摊子, 停车场角落. */
export const PLAIN_LANDMARKS = new Set(words('农贸市场 菜市场 地铁站 公交站 公园 广场 游乐场 停车场 篮球场'));

/** Landmarks that are a place without a name only with a position after them: 学校门口, 学校对面. */
export const NEEDS_POSITION = new Set(words('学校 小学 中学 幼儿园 医院 超市 市场 银行 酒店'));

/** Landmarks that are a place without a name only with a gate after them: 小区门口, not 小区旁边. */
export const NEEDS_GATE = new Set(words('小区'));

/** 路灯, 路面, 路人 and 街道 are not roads: the character after 路/街/巷 that rules a road out. */
export const NOT_A_ROAD: Record<string, string> = {
  路: '灯面人过线况牌费由径子等登',
  街: '道坊',
  巷: '子道',
  大道: '理',
};

/** The character before 路/街/巷 that makes an everyday word of it: 走路, 马路, 满街, 小巷. */
export const NOT_A_ROAD_BEFORE: Record<string, string> = {
  路: '走问带让开修铺挖过绕马公道小大上下赶拦堵挡迷顺同一半出进跑活后退网线电水思来去山老条段住',
  街: '满上一条逛整半临背扫年',
  巷: '小深窄',
  大道: '',
};

/** Names of things, not places, that a walk from a suffix may produce: 垃圾分类亭, 垃圾站那边. */
export const NOT_A_NAME = /垃圾|充电|快递|梯口|路口|门口|出口|入口|道口|巷子/;

/** A landmark word after one of these is where someone goes, not a place named: 送医院, 走小区, 回小区. */
export const TAKEN_TO = /(送|去|进|住|走|回|出|过|送到|拉到|抬到)$/;

/** A landmark word followed by one of these is something else: 广场舞, 市场价. */
export const NOT_A_LANDMARK: Record<string, string> = {
  广场: '舞',
  市场: '价监化经营部',
  公园: '城',
  城: '市管',
};

/** What may follow a river's or lake's name: 沙河边, 府南河有死鱼, 东湖水面, 沙河东湖段. */
export const AFTER_WATER = '边里上水面畔岸段的有被又一那这中下内旁发漂臭出现飘东西南北沿两某部';

/** Characters a water body's name may not start with: 小河沟 and 这条河 are not names. */
export const NOT_A_WATER_NAME = '小大这那条一河江湖水';
