// Built-in word lists for the catalog scorer: everyday phrasings per catalog code, danger words, look-alikes to ignore.

// Space-separated so a list stays a few lines long whatever the formatter does to arrays.
const words = (...lines: string[]): readonly string[] => lines.join(' ').split(/\s+/).filter(Boolean);

/**
 * How residents actually say it, keyed by catalog code. The district file's keywords are the
 * official vocabulary; people write 灯不亮了 or 吵得睡不着. Only codes present in the district's
 * catalog are used, so a district without (say) `abandoned_car` never gets that category.
 */
export const BUILTIN_SYNONYMS: Record<string, readonly string[]> = {
  street_light: words(
    '路灯 灯不亮 不亮了 黑灯 灯坏了 灯一直闪 灯闪 一闪一闪 黑灯瞎火 灯灭了 灯是黑的 没有灯',
    '灯杆 灯罩 路灯坏 灯也不亮 楼道灯 照明灯 灯 全黑 黑漆漆 黑黢黢 太黑 很黑 黑乎乎 灯亮着 感应灯 不得亮 不亮',
    '没亮 灯黑 黑起 黑麻麻 黑咕隆咚 伸手不见五指 看不见路 灯泡 灯管 灯头 路灯杆 太暗 好暗 很暗 暗得很 摸黑 打手电 闪烁 景观灯 庭院灯 高杆灯',
  ),
  garbage: words(
    '垃圾没人收 垃圾满了 垃圾成堆 垃圾站 垃圾房 建渣 建筑垃圾 大件垃圾 乱扔垃圾 垃圾车',
    '没人清理 没人收 溢出来 臭气熏天 环卫 没人扫 脏乱差 垃圾桶 旧沙发 旧家具 没人弄走 乱扔 冒尖',
    '没人倒 没人清 没拉走 堆成山 溢出 爆满 塞满 塞爆 发臭 臭烘烘 苍蝇 蛆 渣土 装修垃圾 生活垃圾 厨余 垃圾箱 垃圾堆 乱倒 倾倒 乱丢 保洁 清洁工 打扫 卫生死角 床垫 垃圾',
  ),
  // 人行道 is where things happen, not what happens: listed here too, so it decides neither this nor road_damage.
  occupation: words(
    '摆摊 出摊 占用人行道 占道经营 小摊 摊贩 地摊 夜市摊 出店经营 店外经营 摆到人行道 堆满杂物',
    '堆放杂物 堆杂物 乱堆乱放 占着路 卖菜的 水果摊 烧烤摊 人行道 小贩 都占了 占了 堆在门口 货堆 过道 推车 小吃摊 挤不过去',
    '流动摊 占道 占用 出店 堆物 堆放 杂物 三轮车 夜市 菜摊 卖菜 卖水果 卖小吃 早餐车 桌椅 板凳 摊子 摊摊 摊位 挡路 堵路 过不去',
  ),
  illegal_build: words(
    '违建 搭棚 封阳台加盖 私自加建 搭了个棚 彩钢棚 楼顶加盖 私建 违规搭建 乱搭乱建 加建 扩建',
    '铁皮房 搭建 圈占 私自搭 砌了 砌墙 公共走廊',
    '违章 私搭 乱建 棚子 彩钢 阳光房 加盖 圈地 封阳台 改建 盖房子 修房子 偷偷修 没有手续 砖房',
  ),
  water_pollution: words(
    '河水发臭 河里 河面 河边 死鱼 排污 污水排到河 河水变黑 水发黑 黑臭 漂浮物 排污口 直排',
    '沙河 府南河 河水 往河',
    '河道 河沟 偷排 翻白 油花 油污 泡沫 发黑 变色 浑浊 蓝藻 水质 湖水 排进河 倒进河',
  ),
  drainage: words(
    '淹了 水漫 下水道反味 堵了 下水道堵 排水沟 雨水篦子 漫水 水排不出去 污水冒出来 污水外溢',
    '化粪池 冒水 反味 返臭 积了 水淹 蹚水 泡在水里 成河 进水 水好深 潲水 冒污水',
    '积水 下水道 排水 管网 遭淹 倒灌 返水 反水 外溢 窨井 雨水井 篦子 阴沟 地漏 膝盖 脚踝 小腿 没过 齐腰 踩水 成湖 汪洋 退不下去 排不出去 堵死',
  ),
  noise: words(
    '吵 很吵 好吵 真吵 装修声 广场舞 半夜施工 太吵 吵死 吵得 睡不着 音响 喇叭 叫卖 打桩',
    '施工声音 电钻 敲敲打打 声音很大 声音太大 大声 唱歌 噪音 扰民 电锯 刺耳 嗡嗡 轰隆 外机 睡不好 吵闹',
    '装修 蹦迪 跳操 鬼喊 震天响 炸街 飙车 鸣笛 狗叫 噪声 夜间施工 打麻将',
  ),
  fire_hazard: words(
    '消防通道 堵塞通道 安全出口 灭火器 灭火器过期 消防栓 消火栓 电动车进楼 电瓶车充电 飞线充电',
    '楼道充电 电动车上楼 疏散通道 烟感 消防 推上楼充电 万一着火 容易着火 火灾隐患 安全隐患 跑不出去',
    '疏散 喷淋 应急灯 指示灯 充电 电瓶车 电动车 电池 插线板 进楼 入户 易燃 可燃 群租',
  ),
  wiring: words(
    '电线 飞线 私拉 乱拉 电线杆 线缆 网线 电缆 光纤 线垂下来 电线掉 线路老化 蜘蛛网 私拉电线',
    '乱拉电线 电箱 配电箱 漏电 插座 电闸',
    '线路 吊下来 耷拉 电杆 电表箱 变压器 老化 绝缘 裸露 线线 电线皮',
  ),
  power_outage: words(
    '停电 断电 没电 跳闸 没有电 停了电 供电 又停电',
    '来电 电压 电压不稳 限电 停起电 莫得电 没得电',
  ),
  food_safety: words(
    '过期 变质 食品 无证经营 吃坏肚子 拉肚子 发霉 馊了 食物中毒 后厨 地沟油 三无产品 过期食品',
    '不新鲜 吃出虫子 吃出 卫生许可 过期了 生产日期 上吐下泻 肚子疼 吃了 吃坏 卖的',
    '长毛 臭了 病死 注水肉 检疫 卫生差 老鼠 蟑螂 屙肚子 无证 小作坊 三无 保质期 临期 农药 卤菜 卤肉 熟食 凉面 吃了',
  ),
  wage_arrears: words(
    '不发工资 讨薪 欠薪 拖欠 工钱 没给钱 包工头 农民工 不给工资 工资没发 工资还没发 没发工资',
    '欠工资 欠我们 拖着不给 结工钱 血汗钱 欠了 不给钱 干完活 跑路 工资不给',
    '工资 欠薪 老板跑了 不发 结工资 劳务费 提成 加班费 工钱 活路钱',
  ),
  lift_fault: words(
    '电梯坏了 电梯停运 电梯又坏 电梯不动 电梯异响 电梯门 电梯维修 电梯故障 电梯停了 电梯抖',
    '电梯 电梯又停 电梯老是 梯子坏',
    '停运 故障 异响 扶梯 维保 年检 轿厢',
  ),
  road_damage: words(
    '大坑 路面塌陷 井盖 井盖丢了 井盖松动 井盖没了 坑坑洼洼 地砖松动 地砖 翘起来 盲道 路烂了',
    '路面破损 人行道砖 坑洼 有个坑 一个坑 路面',
    '坑 坑坑 窨井盖 盖板 破损 沉降 减速带 路沿石 护栏 沥青 路烂 烂路',
  ),
  trees: words(
    '树枝 大树 歪了 树倒了 枯树 枯枝 树叶 挡住 修剪 砍树 毁绿 绿化带 树根 树木 行道树 虫害',
    '杂草 树干 树倒 树上 枯死 死树 树都',
    '树 倒伏 吹倒 绿化 草坪 黄葛树 香樟 梧桐 飘絮 花坛 花台 绿地 树子 树枝枝',
  ),
  abandoned_car: words(
    '僵尸车 长期不动的车 落满灰的车 好久没动 一直停在 废弃车辆 长期停放 停了好几年 车胎瘪了',
    '轮胎瘪了 落满灰 没人开 报废车 废弃电动车 废旧自行车 几年没动 没人挪 没人动 没动过 好几年 生锈 锈得',
    '废弃车 轮胎没气 几个月没动 无牌 报废 拖走 车胎扁 胎扁了 耙了',
  ),
  old_building: words(
    '年久失修 危房 墙体开裂 外墙脱落 墙皮脱落 墙裂了 裂缝 掉瓷砖 瓷砖掉 外墙砖 墙体 楼板 老楼',
    '老房子 屋顶漏 房子裂 开裂 墙皮 外墙 露钢筋 钢筋外露 要掉下来 掉渣 底板 裂了 一条缝 楼梯',
    '空鼓 阳台 雨棚 漏雨 渗水 房梁 倾斜 摇摇欲坠 鉴定 墙裂',
  ),
  gas_leak: words(
    '燃气味 煤气味 闻到气味 漏气 天然气 燃气泄漏 煤气泄漏 燃气管 液化气 煤气罐 气罐 臭鸡蛋味',
    '天然气味 燃气 煤气',
  ),
  fire: words(
    '着火 起火 冒烟 烧起来 火灾 失火 火势 明火 浓烟 烧着了 火光 烧焦味 自燃 火好大 火很大 大火 火苗',
  ),
  trapped_lift: words(
    '困在电梯 卡在电梯里 卡在电梯 电梯困人 关在电梯 电梯里出不来 困人 被困 电梯里有人 困在里面',
    '关在里面 出不来 卡在半空 电梯卡住 人在里面 困住',
  ),
};

/**
 * Danger words weigh double for the category (电梯里有人被困 is trapped_lift, not a lift fault).
 * Whether a report is an emergency is the emergency detector's to say (handlers/intake/emergency.ts).
 */
export const DANGER_WORDS: readonly string[] = words(
  '着火 起火 冒烟 爆炸 煤气味 燃气味 天然气味 漏气 燃气泄漏 煤气泄漏 困人 被困 困在电梯 卡在电梯',
  '电梯里出不来 触电 坍塌 塌了 倒塌 塌陷 有人受伤 受伤 流血 救命 漏电 烧起来 失火 火灾 浓烟 明火',
  '砸到人 砸伤 砸到 臭鸡蛋味 火花 晕倒 昏倒 昏迷 倒地 倒在地上 不省人事 打120 打119 叫救护车 抽搐 自燃 火好大 火很大 大火 火苗',
);

/**
 * Look-alikes masked out before matching, so their characters cannot form keywords:
 * 被噪音困扰 is not 被困, 一塌糊涂 is not a collapse, 燃气费 is a bill, 烧烤摊冒烟 is not a fire.
 */
export const MASKED_PHRASES: readonly (string | RegExp)[] = [
  ...words('困扰 一塌糊涂 燃气费 煤气费 天然气费 车胎漏气 轮胎漏气'),
  /(?<=烧烤.{0,5})冒烟/g,
  // 万一着火 is a hazard, not a fire. Not 怕: in Sichuanese 怕是着火了 means it probably is on fire.
  /(?<=(万一|如果|要是|一旦|容易|防止|预防|以免|避免).{0,4})(着火|起火|失火|火灾|爆炸)/g,
];
