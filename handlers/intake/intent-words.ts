// Signals of what a message is for besides a new report: thanks, a follow-up on a call, a question, chit-chat.

/** Thanks and praise. */
export const THANKS = /谢谢|感谢|多谢|谢了|谢啦|辛苦了|辛苦你们|辛苦大家|点赞|点个赞|感射|thank|3q|满意/;

/** Words that turn a thank-you into a new report: 谢谢上次修好路灯，另外垃圾又没人收了. */
export const BUT_ALSO =
  /另外|还有个|还有一|但是|可是|不过|又(坏|堵|停|不亮|没|有)|想反映|反映一下|麻烦|现在.{0,6}(被|困|关)/;

/** A message about a matter already reported: its number, its progress, more detail on it. */
export const FOLLOWUP = new RegExp(
  [
    '(之前|上次|上回|前几天|前两天|昨天|上周|上个?礼拜|上个月|刚才|刚刚|前天|上午|早上|我)(反映|报|说|反应|提|发)(的|过|了)',
    '(反映|报|打)过了',
    '单子|工单|编号|呼叫单|jj-?[0-9]',
    '(?<![0-9])[0-9]{4}(?![0-9年号栋])',
    '进展|进度|催一下|催一哈|催促|跟进|追问|补充|补上|有结果|有回复|回复一下|给个回复|回音|说法|回访|处理结果',
    '我(提交|投诉|报|反映)的|(反映|报|投诉)的那个|有人来看过|来看过了吗|来过了吗',
    '怎么样了|咋样了|办得(怎么|咋)',
    '(还|一直|都|怎么|咋个|咋)(没|没有|莫|没得)(修|人|处理|解决|来|动静|回|结果|拆|弄|管)',
    '第[二三四五0-9]次反映',
    '(上次|之前|上回|前几天|前两天|昨天|上周|早上|上午).{0,20}(什么时候|啥时候|多久|还要|后续|怎么样)',
    '地址写错|写错了|不是[0-9一二三四五六七八九十]+(栋|单元|号)',
  ].join('|'),
);

/** A message that opens by pointing back at an earlier one: 补充一下, 催一下, 追问. */
export const FOLLOWUP_OPENING =
  /^(补充|再补充|追问|催一下|催一哈|催办|跟进|还是那个|还是上次|关于(之前|上次|昨天))/;

/** Asking for information rather than reporting a problem. */
export const QUESTION = new RegExp(
  [
    '请问|问一下|问一哈|问下|咨询|想问|打听',
    '(怎么|咋个|如何)(办理|申请|办|交|领|用|预约|补办|报名|上)',
    '在哪(里|儿)?(办|交|领|打|开|补|上|查|申请)|去哪(里|儿)?',
    '需要(带|什么|哪些|本人)|要带|(什么|哪些)(材料|手续|证)',
    '(电话|号码)是多少|多少钱|几点|什么时候(开|发|办|组织|上班|到期)|是什么时候',
    '有没有|可不可以|能不能|可以.{0,6}吗|吗[?？]?$|不嘛[?？]?$|嘛[?？]$|[?？]$',
    // Sichuanese: 电话是好多 (what number), 有用没得 (is it any use), 是干粉的还是泡沫的哦
    '是好多|有用没得|有没得用|还是.{1,8}(哦|嘛|呢)[?？]?$',
  ].join('|'),
);

/** A question about how things work in general, not about a problem at hand. */
export const GENERAL_QUESTION =
  /^(请问|问一下|问一哈|问下|想问|咨询)|归哪个部门|哪个部门(管|负责)|谁管|找哪个|打什么电话|怎么投诉|怎么反映|一般(要)?(多久|几天|多长时间)|电话(号码)?是多少|电话多少|(该|应该)(做什么|怎么做|找谁)|第一件事|怎么申请|怎么办理|在哪(里|儿)?(办|交|领|申请|打)|多少钱|几点(开|关|下班|上班)/;

/**
 * What a report says is wrong: broken, blocked, dirty, loud, unpaid, dangerous. A message with
 * none of it is rarely a new report, whatever places or catalog words it names (今天菜市场的菜好便宜).
 */
export const PROBLEM = new RegExp(
  [
    '坏|不亮|没亮|黑|暗|堵|漏|臭|吵|噪|淹|积水|乱|占|违|欠|拖|没人|满了|溢|断|裂|倒|掉|塌|垮|着火|冒烟|烟雾|浓烟|黑烟',
    '困|停电|没电|跳闸|过期|变质|发霉|霉|投诉|反映|举报|处理|解决|修|危险|隐患|脏|破|松|歪|晃|震|扰',
    '私|堆|挡|卡|不动|故障|异响|抖|污|死鱼|发黑|排|偷|骗|咬|伤|血|晕|救|坑|洼|翘|缺|丢|没了|不见',
    '臭味|异味|怪味|气味|味道(很|好|太|特别)?(大|重|冲)|燃气味|煤气味',
    '停电|停水|停运|停了|不发|不给|工资|扔|甩|摊|扰民|管一管|管管|麻烦|请.{0,6}(来|处理|看)|恼火|遭|莫得|扯拐|闪',
  ].join('|'),
  'g',
);
/** Talk about the good things of the neighbourhood: 好香, 真不错, 一起去. */
export const PLEASANT =
  /不错|真好|好香|好吃|好热闹|热闹|好漂亮|漂亮|巴适|安逸|开心|快乐|推荐|一起|逛|好玩|拍照|舒服|可爱|好看|美|天气|带伞|保暖|拼车|转让|出售|求购|祝大家|红包|晚安|早安|嘿嘿|呵呵|加油|满月|宝宝/;

/** Greetings, acknowledgements and talk. */
export const CHITCHAT =
  /^(大家好|你好|您好|早上好|早安|晚安|下午好|晚上好|在吗|有人吗|收到|好的|嗯+|哦+|ok|好|要得|谢谢|测试|哈+)|哈哈|生日快乐|新年快乐|节快乐|拜年|恭喜|接龙|通知[:：]|转发|撤回|欢迎|\[图片\]/;
