"""Sentence templates and made-up names the simulator writes its articles from (data, not code)."""

from __future__ import annotations

# Every person, place and document here is invented for the simulation.
PEOPLE = (
    "赵启明",
    "孙慧敏",
    "周立群",
    "吴建国",
    "郑晓燕",
    "冯志远",
    "陈海涛",
    "韩雪松",
    "杨振华",
    "何文博",
    "罗春燕",
    "高德胜",
    "林雨晴",
    "梁国栋",
    "谢明远",
    "宋佳怡",
    "唐书华",
    "许卫东",
    "邓丽君",
    "曹永康",
)
# Characters outside GB2312 (but inside GBK) appear in a few names, so strict gb2312 decoders fail on them.
RARE_PEOPLE = ("王喆", "朱镕川", "李堃")
PLACES = ("临湖市", "南屏县", "青川市", "云岭县", "白河市", "澄江区", "北岭县", "石门市", "东渠县", "松溪市")
WATERS = ("白沙河", "青龙湖", "清溪河", "乌兰河", "柳叶湖", "黑石河", "玉带河", "金鸡湖湿地")
TOPICS = (
    "大气污染防治",
    "水生态环境保护",
    "土壤污染风险管控",
    "固体废物和新污染物治理",
    "农村环境整治",
    "生态保护修复",
    "减污降碳协同增效",
    "核与辐射安全监管",
    "生态环境执法",
    "排污许可管理",
    "秋冬季重污染天气应对",
    "入河排污口排查整治",
    "饮用水水源地保护",
    "噪声污染防治",
)
THINGS = (
    "生态环境损害赔偿典型案例",
    "环境影响评价文件审批",
    "重点排污单位",
    "生态环境科普基地",
    "无废城市建设试点",
)
SPIRITS = (
    "全国生态环境保护大会精神",
    "中央生态环境保护督察反馈意见",
    "党的二十届四中全会精神",
    "全面从严治党有关要求",
)
WEEKDAYS = ("星期一", "星期二", "星期三", "星期四", "星期五", "星期六", "星期日")

# Title templates by kind of item; fields are filled from the lists above.
TITLES: dict[str, tuple[str, ...]] = {
    "meeting": (
        "{org}召开党组（扩大）会议 传达学习{spirit}",
        "{org}党组召开第{n}次会议",
        "{org}召开{topic}工作推进会",
        "{org}召开{year}年第{n}次常务会议",
        "{org}召开{topic}专题调度会议",
    ),
    # Announcements of meetings still to come (the extractor's kind `meeting`, stage `announced`).
    "announcement": (
        "关于召开{year}年全省{topic}工作会议的通知",
        "关于举办{topic}业务培训班的通知",
        "关于召开{topic}工作座谈会的预通知",
        "关于召开{topic}工作推进视频会议的通知",
        "关于举办{topic}专题研讨会的通知",
    ),
    "notice": (
        "关于开展{year}年{topic}专项检查的通知",
        "关于印发《{place}{topic}工作方案》的通知",
        "关于做好{topic}有关工作的通知",
        "关于公布{year}年第{n}批{thing}名单的公告",
        "关于征求《{topic}技术指南（征求意见稿）》意见的函",
    ),
    "speech": (
        "在{year}年全省{topic}工作会议上的讲话",
        "{leader}在{topic}动员部署会议上的讲话",
    ),
    "policy": (
        "关于进一步加强{topic}工作的实施意见",
        "{org}{topic}管理办法（试行）",
        "关于推进{topic}高质量发展的指导意见",
    ),
    "news": (
        "{place}{topic}取得阶段性成效",
        "{place}完成{water}入河排污口排查整治",
        "{place}启动{water}生态保护修复工程",
        "{year}年10月全国地表水和环境空气质量状况发布",
        "{place}开展{topic}“回头看”",
    ),
}

# Body paragraphs by kind. `{fact}` is the one sentence an edit rewrites (it always carries numbers).
BODIES: dict[str, tuple[str, ...]] = {
    "meeting": (
        "{month}月{day}日，{org}党组书记、主要负责同志{leader}主持召开{meeting}，传达学习{spirit}，研究部署{topic}重点工作。",
        "{leader2}、{leader3}出席会议，机关各处室和直属单位主要负责同志列席会议。",
        "会议指出，今年以来，全系统坚持精准治污、科学治污、依法治污，{topic}各项任务稳步推进。{fact}",
        "会议强调，要坚持问题导向，紧盯{place}等重点区域，压实属地责任，确保年度目标任务按期完成。",
        "会议要求，各单位要加强统筹调度，做好{topic}与{topic2}的衔接，及时报送工作进展。",
        "会议以视频形式召开，各市（州）生态环境部门设分会场。",
    ),
    # `{fact}` is the meeting's time: an edit moves the meeting, the change regulators really make.
    "announcement": (
        "{doc}",
        "各市（州）生态环境局，局机关各处室、各直属单位：",
        "为深入贯彻落实{spirit}，统筹推进{topic}工作，经研究，决定召开会议。现将有关事项通知如下。",
        "一、会议时间",
        "{fact}",
        "二、会议地点",
        "{venue}",
        "三、参会人员",
        "各市（州）生态环境局分管负责同志及{topic}业务科室负责同志各1名。",
        "四、其他事项",
        "请于{reply_by}前将参会回执报送{org}，联系人：{leader2}，电话：0{tel}。",
        "{org}",
        "{date_cn}",
    ),
    "notice": (
        "{doc}",
        "各市（州）生态环境局，局机关各处室、各直属单位：",
        "为深入贯彻落实{spirit}，切实做好{topic}工作，现将有关事项通知如下。",
        "一、工作目标。{fact}",
        "二、主要任务。各地要对照清单逐项排查，建立问题台账，明确整改时限和责任人。",
        "三、工作要求。请于{deadline}前将工作总结报送{org}，联系人：{leader2}，电话：0{tel}。",
        "特此通知。",
        "{org}",
        "{date_cn}",
    ),
    "speech": (
        "（{date_cn}）",
        "{org}党组书记、主要负责同志 {leader}",
        "同志们：",
        "这次会议的主要任务是，总结前一阶段{topic}工作，分析面临的形势，安排部署下一步重点任务。",
        "一、充分肯定取得的成绩。{fact}",
        "二、清醒认识存在的问题。部分地区{topic2}基础仍然薄弱，{place}等地问题整改进度滞后。",
        "三、扎实抓好重点任务落实。要以钉钉子精神推动各项工作落地见效。",
        "同志们，做好今年工作任务艰巨、使命光荣，让我们共同努力，奋力开创生态环境保护工作新局面！",
    ),
    "policy": (
        "{doc}",
        "各市（州）、县（市、区）人民政府，省直有关部门：",
        "为推进{topic}，持续改善生态环境质量，结合本地实际，提出如下意见。",
        "一、总体要求。{fact}",
        "二、重点任务。强化源头防控，完善监测网络，健全{topic2}长效机制。",
        "三、保障措施。加强组织领导，强化资金保障，严格考核评估。",
        "本意见自印发之日起施行。",
        "{org}",
        "{date_cn}",
    ),
    "news": (
        "近日，{place}生态环境局组织开展{topic}专项行动，聚焦{water}流域突出问题开展排查。",
        "{fact}",
        "下一步，{place}将持续巩固治理成效，推动{topic2}工作常态化、制度化。",
        "{place}生态环境局有关负责同志{leader}表示，将以更高标准、更实举措守护好{water}一江清水。",
    ),
}

# The sentence an edit changes: each carries numbers, so every edit is a real, visible change of wording.
FACTS = (
    "截至{month}月底，已完成整改问题{a}个，整改完成率{pct}%。",
    "全年累计排查点位{a}个，发现问题{b}个，已立案查处{c}起。",
    "重点区域细颗粒物平均浓度同比下降{pct}%，优良天数比例达到{pct2}%。",
    "到{year2}年，地表水国控断面优良比例达到{pct2}%以上，新建监测站点{a}个。",
    "共出动执法人员{a}人次，检查企业{b}家，责令整改{c}家。",
)

# Where announced meetings take place, and when in the day they start.
VENUES = ("{place}迎宾馆", "{org}三楼会议室", "{place}国际会议中心", "{org}视频会议室（各地设分会场）")
STARTS = ("上午9:00", "上午9:30", "下午2:30", "下午3:00")
# What announcements attach: the reply form, sometimes the list of attendees (linked files next to the page).
MEETING_ATTACHMENTS = (("参会回执", "docx"), ("参会人员名单", "xlsx"))

MEETING_NAMES = ("党组（扩大）会议", "党组会议", "常务会议", "专题会议", "工作调度会议")
SOURCES = ("{org}", "{org}办公室", "{org}宣传教育处", "{place}生态环境局")

# Attachment names of notices and policy documents (linked as ./W0…pdf files next to the article).
ATTACHMENTS = ("工作任务清单", "名单汇总表", "技术指南（征求意见稿）", "编制说明", "检查要点及评分表")
