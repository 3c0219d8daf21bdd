"""The seeded synthetic demo province.

Everything here is **fictional**: the province, its 16 cities and 100
county-level units (or any size, see *Any size*), their names, codes (all
starting with ``9``, which no real province uses) and every value. The numbers
are drawn so that they *look* like real assessment data, centred on the
national benchmarks in the framework.

Latent model
------------
Each unit ``i`` has one latent development level ``L_i`` (standardised to mean 0,
standard deviation 1 over the province)::

    L_i = C_city(i) + U_i + 0.35 * is_district_i,
    C_city ~ N(0, 0.75²)  (city effect),  U_i ~ N(0, 0.7²)  (county effect)

Categories follow the latent level with a little noise (the province sorts its
units by development): the top quarter is the most ambitious category (pilot),
the bottom quarter the least (key), the rest the middle one (normal). The home
city (青岚市) has seven fixed units mixing all three categories, each placed at a
fixed quantile of its category's latent levels (one of them, 芦源县, near the
bottom of the key zone). Category ambition is read from the framework's targets,
so a framework with other category ids works too.

The 2023 value of indicator ``j`` for unit ``i`` is::

    x_ij = mu_j + s_j * d_j * (b_j * L_i + sqrt(1 - b_j²) * e_ij),  e_ij ~ N(0, 1)

where ``mu_j`` is the national level (≈ the normal-zone target), ``s_j`` the
spread across counties, ``b_j`` the loading on development (so indicators
correlate) and ``d_j`` = +1 for higher-is-better, -1 for lower-is-better.
Income is log-normal (the same formula on ``log x``). Growth rates are drawn
afresh each year around their year's national level. For the other indicators
the 2022 value is the 2023 value minus one year of progress (indicator-specific,
±30 % per unit, plus a little noise); rural income in 2022 is the 2023 income
divided by (1 + its 2023 growth). About 0.5 % of values are missing (empty) and
about 0.3 % are outliers (3.5-5 spreads away, still inside the valid range). All
values are rounded per indicator and lie inside the indicator's valid range.

Adjustment inputs are counts: mostly 0, a few national titles (more likely for
developed units), a few return-to-poverty cases (more likely in lagging units) and
exactly one unit outside the home city (one per 100 units in a province of another
size) with a large-scale return to poverty in 2023 (enough to trip the first veto
declared on a deduction input).

More years
----------
``years=range(2019, 2024)`` (``zhenxing demo --years 2019-2023``) adds years around
2022-2023; the range must be contiguous and include 2023 (units join in 2023).
Earlier years step back from the next one, later years forward from the
previous one, by the same model as 2022 from 2023: one year of progress (±30 %
per unit, plus a little noise), growth rates drawn afresh around their national
level (``mu_2022`` before 2022, ``mu`` after 2023), rural income divided by (or
multiplied by) its growth. Outliers and missing values are planted in the
extra years at the same shares; adjustment counts are drawn as for 2022 (no
veto). Everything for the extra years comes from a random stream of its own
(``SeedSequence(seed, spawn_key=(EXTRA_YEARS_STREAM,))``), so the 2022 and 2023
values are byte for byte the committed demo's. Units have no rows before their
joining year (2019 for most). :func:`planted_outliers` lists the planted
outliers with their clean values, for tests of the data audit.

Any size
--------
``units=2800`` (``zhenxing demo --units 2800``) makes a province of 30
(:data:`MIN_UNITS`) to 3,000 (:data:`MAX_UNITS`) units with
:func:`n_cities` = round(16 × units / 100) cities: the home city keeps its seven
units, the others have 5-8 units each (6.25 on average). Everything else scales
with the same model and shares: categories (a quarter pilot, half normal, a
quarter key), joining years (8 % in 2021, 3 districts per 93 other units in
2023), city and county effects, outliers and missing values, and one unit with
a tripped veto per 100 units (``round(units / 100)``). Codes are ``99CCUU``
(city ``CC`` = 01-99, 01 the home city) while the cities fit in two digits (up
to 621 units) and ``9CCCUU`` (city 001-480) above; no real code starts with 9.
Names come from :data:`_SYLLABLES` for up to :data:`BASE_TABLE_NAMES` names
(units and cities) and from it plus :data:`_MORE_SYLLABLES` above, avoiding the
real place names either table would spell. The default ``units=100`` is the
committed demo, byte for byte; another size is another province (its own
draws), equally reproducible from the seed.

Output formats
--------------
Register: ``code,name_zh,name_en,city,city_en,category,is_district,joined``.
Values (long): ``code,indicator,year,value`` with ``value`` empty when missing;
one row per unit, indicator or adjustment input, and assessed year, sorted by
code, year, then framework order (indicators, then adjustment inputs). Units that
join in 2023 have no 2022 rows.

Year-to-date values
-------------------
For schedule progress (序时进度, :func:`zhenxing.gap.schedule_table`),
:func:`generate_demo_ytd` adds one reading per home-city unit and indicator of
:data:`YTD_INDICATORS` by month ``m`` (default 9) of the year. Each reading has
covered a share ``p = m / 12 + U(-0.3, 0.3)`` of its way, scattered around the
calendar so that some units are ahead of the ``m / 12`` asked of them and some
behind. For a unit whose last year's value ``x0`` falls short of this year's
target ``t`` the way is the one schedule progress measures, to the target; the
reading never leaves the range between ``x0`` and the unit's final value ``x1``
(no unit is further in September than at the year's end, nor behind where it
started)::

    ytd = clip(x0 + p (t - x0), between x0 and x1)

For a unit already at its target last year the way is its own change of the
year: ``ytd = x0 + clip(p, 0, 1) (x1 - x0)``. A unit without last year's value
(joined this year, or missing) takes the province's median change of the
indicator as its ``x1 - x0``; a unit without a final value gets no reading.
Rounded like the indicator's values. Drawn from a random stream of its own
(``SeedSequence(seed, spawn_key=(YTD_STREAM,))``), so the register and values
do not depend on it. Format: ``code,indicator,year,month,value``, sorted by code,
then framework order.
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from .framework import Framework, Indicator, load_framework
from .io import bytes_writer, write_files

__all__ = [
    "DEFAULT_SEED",
    "HOME_CITY",
    "HOME_CITY_EN",
    "REGISTER_FILE",
    "VALUES_FILE",
    "YEARS",
    "YTD_FILE",
    "YTD_INDICATORS",
    "generate_demo",
    "generate_demo_ytd",
    "MAX_UNITS",
    "MIN_UNITS",
    "N_UNITS",
    "n_cities",
    "planted_outliers",
    "write_demo",
]

DEFAULT_SEED = 20231
HOME_CITY = "青岚市"
HOME_CITY_EN = "Qinglan"
YEARS = (2022, 2023)
REGISTER_FILE = "demo_register_synthetic.csv"
VALUES_FILE = "demo_values_synthetic.csv"
REGISTER_COLUMNS = ["code", "name_zh", "name_en", "city", "city_en", "category", "is_district", "joined"]
VALUES_COLUMNS = ["code", "indicator", "year", "value"]
YTD_FILE = "demo_ytd_synthetic.csv"
YTD_COLUMNS = ["code", "indicator", "year", "month", "value"]
#: Indicators with a year-to-date reading in the demo (level indicators that departments
#: report during the year); those the framework lacks are left out.
YTD_INDICATORS = (
    "grain_task",  # grain production task completion (summer grain in by September)
    "sewage_treatment",  # rural domestic sewage treatment (works completed so far)
    "tap_water",  # rural tap water (connections so far)
    "rural_income",  # rural per-capita disposable income (annualised from the quarterly survey)
    "risk_cleared",  # monitored households whose risk of (re)poverty is cleared
    "fund_industry_share",  # share of connection funds spent on industry (allocated so far)
    "homestead_revitalisation",  # idle homesteads and farmhouses put back to use
    "land_revenue_share",  # share of land-sale revenue spent on agriculture and villages
    "elderly_care",  # townships with a comprehensive elderly-care institution
)
EXTRA_YEARS_STREAM = 0x797273  # spawn key of the years beyond 2022-2023 ("yrs")
YTD_STREAM = 0x797464  # spawn key of the year-to-date stream ("ytd"): independent of the main stream
YTD_SPREAD = 0.3  # half-width of the uniform scatter of the share p around month / 12

N_CITIES = 16
N_UNITS = 100
MIN_UNITS = 30  # the home city's seven units and four other cities of about six
MAX_UNITS = 3000
MISSING_SHARE = 0.005
OUTLIER_SHARE = 0.003
VETO_CASES = 12  # return-to-poverty cases of the one vetoed unit in 2023

_REPO_ROOT = Path(__file__).resolve().parents[1]


# ---------------------------------------------------------------------------
# indicator specifications (how the synthetic values are drawn)
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _Spec:
    """How one indicator is drawn.

    ``mu``: national level in 2023 (≈ normal-zone target); ``sd``: spread across
    counties (for ``log`` indicators, of the natural log); ``b``: loading on the
    latent level; ``progress``: one year's improvement (2023 minus 2022, in the
    direction of "better"); ``decimals``: rounding; ``growth``: a growth rate drawn
    each year around ``mu`` (2023) and ``mu_2022``; ``lo``/``hi``: plausible limits
    (inside the valid range) for ordinary values.
    """

    mu: float
    sd: float
    b: float = 0.6
    progress: float = 0.0
    decimals: int = 1
    log: bool = False
    growth: bool = False
    mu_2022: float = 0.0
    lo: float | None = None
    hi: float | None = None


_SPECS: dict[str, _Spec] = {
    # industry
    "grain_task": _Spec(101.0, 4.0, b=0.2, progress=0.5, lo=80, hi=115),
    "hs_farmland": _Spec(55.0, 10.0, b=0.6, progress=2.5),
    "mechanisation": _Spec(74.0, 7.0, b=0.6, progress=1.0),
    "processing_ratio": _Spec(2.5, 0.5, b=0.7, progress=0.06, decimals=2, lo=0.6),
    "produce_quality": _Spec(98.0, 0.8, b=0.4, progress=0.1, lo=90),
    "leisure_growth": _Spec(12.0, 8.0, b=0.3, decimals=1, growth=True, mu_2022=-6.0),
    # ecology
    "manure_use": _Spec(79.0, 5.0, b=0.5, progress=1.0),
    "sanitary_toilets": _Spec(75.0, 12.0, b=0.8, progress=2.0),
    "sewage_treatment": _Spec(40.0, 15.0, b=0.8, progress=8.0, lo=3),
    "village_greening": _Spec(32.0, 5.0, b=0.5, progress=0.8),
    "waste_treatment": _Spec(91.0, 6.0, b=0.6, progress=1.5),
    "fertiliser_intensity": _Spec(300.0, 50.0, b=0.4, progress=6.0, lo=120),
    # civility
    "culture_centres": _Spec(97.0, 3.0, b=0.5, progress=0.8),
    "civilised_villages": _Spec(52.0, 10.0, b=0.7, progress=2.0),
    "teacher_degrees": _Spec(63.0, 8.0, b=0.7, progress=1.5),
    "edu_culture_spending": _Spec(13.0, 1.8, b=0.6, progress=0.4, lo=5),
    # governance
    "village_planning": _Spec(88.0, 8.0, b=0.6, progress=4.0),
    "service_stations": _Spec(55.0, 15.0, b=0.7, progress=3.0),
    "village_rules": _Spec(98.5, 2.0, b=0.3, progress=0.5),
    "strong_collective": _Spec(10.0, 6.0, b=0.8, progress=1.0, lo=0.5),
    # prosperity
    "rural_income": _Spec(21691.0, 0.26, b=0.95, decimals=0, log=True),
    "rural_income_growth": _Spec(7.7, 1.2, b=0.1, growth=True, mu_2022=6.3),
    "engel_coefficient": _Spec(32.5, 2.5, b=0.6, progress=0.4, lo=20, hi=50),
    "income_ratio": _Spec(2.3, 0.3, b=0.7, progress=0.05, decimals=2, lo=1.3),
    "tap_water": _Spec(90.0, 7.0, b=0.7, progress=3.0),
    # poverty-gain consolidation
    "risk_cleared": _Spec(65.0, 10.0, b=0.5, progress=8.0),
    "lifted_income_growth": _Spec(9.0, 2.5, b=0.2, growth=True, mu_2022=12.0),
    "lifted_employment": _Spec(90.0, 5.0, b=0.4, progress=1.0),
    "fund_industry_share": _Spec(60.0, 6.0, b=0.3, progress=4.0),
    # reform
    "collective_income_100k": _Spec(50.0, 18.0, b=0.8, progress=6.0, lo=2),
    "homestead_revitalisation": _Spec(28.0, 10.0, b=0.6, progress=4.0, lo=1),
    "land_transfer": _Spec(40.0, 12.0, b=0.7, progress=1.5, lo=5),
    "collective_property_reform": _Spec(99.0, 2.0, b=0.2, progress=1.0),
    # four priorities
    "land_revenue_share": _Spec(8.0, 2.5, b=0.4, progress=1.0, lo=0.5),
    "agri_spending_growth": _Spec(5.0, 6.0, b=0.2, growth=True, mu_2022=6.0),
    "cadre_training": _Spec(94.0, 5.0, b=0.4, progress=2.0),
    "elderly_care": _Spec(60.0, 15.0, b=0.6, progress=4.0, lo=5),
}


def _fallback_spec(ind: Indicator, fw: Framework, middle: int) -> _Spec:
    """A spec for an indicator this module does not know (a user's framework)."""
    j = fw.indicator_ids.index(ind.id)
    t, g = float(fw.targets[middle, j]), float(fw.goalposts[middle, j])
    sd = abs(t - g) / 3.0
    lo, _ = ind.valid_range
    growth = lo < 0
    if abs(t) >= 1000:
        decimals = 0
    elif abs(t) < 10 and ind.unit.strip() != "%":
        decimals = 2
    else:
        decimals = 1
    return _Spec(mu=t, sd=sd, b=0.6, progress=0.0 if growth else sd * 0.15, decimals=decimals, growth=growth, mu_2022=t)


# ---------------------------------------------------------------------------
# names
# ---------------------------------------------------------------------------

# (hanzi, pinyin) syllables; none starts with a vowel or with g, so pinyin joins
# without ambiguity. Deliberately fanciful (plants, birds, colours, water), and
# without the characters most common in real place names (江, 阳, 平, 安, 宁,
# 城, 山, 南, ...), so that generated names rarely coincide with real places.
_SYLLABLES: tuple[tuple[str, str], ...] = (
    ("青", "qing"), ("云", "yun"), ("溪", "xi"), ("枫", "feng"), ("桐", "tong"), ("松", "song"),
    ("柏", "bai"), ("梅", "mei"), ("竹", "zhu"), ("荷", "he"), ("莲", "lian"), ("芦", "lu"),
    ("汀", "ting"), ("澄", "cheng"), ("岭", "ling"), ("阜", "fu"), ("坪", "ping"), ("塘", "tang"),
    ("桥", "qiao"), ("禾", "he"), ("麦", "mai"), ("稷", "ji"), ("茶", "cha"), ("桑", "sang"),
    ("棠", "tang"), ("杏", "xing"), ("榆", "yu"), ("槐", "huai"), ("楠", "nan"), ("樟", "zhang"),
    ("杉", "shan"), ("柘", "zhe"), ("檀", "tan"), ("霞", "xia"), ("虹", "hong"), ("雁", "yan"),
    ("鹤", "he"), ("鹭", "lu"), ("鸣", "ming"), ("麟", "lin"), ("翠", "cui"), ("碧", "bi"),
    ("紫", "zi"), ("黛", "dai"), ("瑶", "yao"), ("琅", "lang"), ("璟", "jing"), ("岚", "lan"),
    ("涟", "lian"), ("渚", "zhu"), ("蒲", "pu"), ("苍", "cang"), ("芷", "zhi"), ("蘅", "heng"),
    ("蓼", "liao"), ("苔", "tai"), ("萍", "ping"), ("橘", "ju"), ("栎", "li"), ("棣", "di"),
)


# Pinyin (toneless) of real Chinese place names (provinces, prefectures and
# county-level units) that two of the syllables above would spell; the namer never
# draws them, so no generated name reads like a real place in English or Chinese.
# Built once from a public list of administrative divisions.
_REAL_PLACE_PINYIN = frozenset(
    """
    baicheng baihe bailang baishan baiyu baiyun bishan cangnan cangshan cangxi chaling chayu chengmai
    chengxi cuiping dailing daishan diqing fengcheng fengnan fengqing fengshan fengtai fucheng fufeng
    fuling funan fuping fuqing fushan fusong fuxing fuyu fuyun hebi hecheng hefeng hejing helan henan
    hengfeng hengnan hengshan heping hepu heqing heshan hetang hexi hezhang honghe hongqiao hongshan
    hongxing huaiji huainan jili jilin jimei jinan jinghe jinghong jingshan jingtai jingxi jingxing
    jingyan jingyu jishan jixi julu junan lancang langxi lanling lanshan lanxi liancheng liannan
    lianping lianshan lianxi lianyun liaocheng licang licheng liling linan lincang lincheng lingbi
    lingcheng linghe lingshan lingtai lingyun linhe linli linqing lintan lintong linxi linxia linzhang
    linzhi linzi liping lipu lishan litang litong lixia lucheng lufeng luhe lunan luqiao lushan lusong
    luxi maiji meilan meishan meitan meixi mingshan mingxi nancha nancheng nanfeng nanhe nanjing nanling
    nanming nanping nanqiao nanshan nantong nanxi nanzhang pinghe pingli pinglu pingnan pingqiao
    pingshan pingtan pingtang pingyao pingyu pucheng pulan qiaocheng qiaoxi qingcheng qingfeng qinghe
    qingpu qingshan qingyun sangzhi shancheng shannan shanting shanxi songming songshan songxi songzi
    taibai taicang taihe taiping taishan taixing tancheng tanghe tangshan tantang tongbai tongcheng
    tonghe tongliao tongling tonglu tongnan tongshan tongyu tongzi xiacheng xiahe xialu xianan xiapu
    xiashan xicheng xifeng xihe xiji xilin xiling xinan xingcheng xinghe xingjing xingping xingqing
    xingshan xingtai xingtang xiping xiqing xishan xixia yancheng yanfeng yanhe yanji yanling yanping
    yanqing yanshan yantai yantan yanting yucheng yufeng yuhong yuli yulin yunan yuncheng yunfu yunhe
    yunlian yunnan yunxi yunyan yuping yuqing yushan yutai yuxi yuyao zhangbai zhangfeng zhangling
    zhangping zhangpu zhangqing zhangtai zhangzhi zhangzi zhecheng zhenan zhifu zhucheng zhuji zhushan
    zhuxi zitong zixi zixing zizhang
    """.split()
)


# More syllables, for provinces too large for the table above (see _syllables): the
# same kind of fanciful characters, each with a pinyin that the table above does not
# have. Only used when needed, so the committed demo's names stay as drawn.
_MORE_SYLLABLES: tuple[tuple[str, str], ...] = (
    ("蕙", "hui"), ("萱", "xuan"), ("薇", "wei"), ("蓉", "rong"), ("藻", "zao"), ("芹", "qin"),
    ("鹊", "que"), ("莺", "ying"), ("鸾", "luan"), ("鹃", "juan"), ("绯", "fei"), ("缃", "xiang"),
    ("靛", "dian"), ("绛", "jiang"), ("潇", "xiao"), ("漪", "yi"), ("濑", "lai"), ("沐", "mu"),
    ("珂", "ke"), ("琮", "cong"), ("瑾", "jin"), ("蔓", "man"), ("椿", "chun"), ("桦", "hua"),
    ("柳", "liu"), ("蓬", "peng"), ("葵", "kui"), ("菖", "chang"), ("蒿", "hao"), ("芊", "qian"),
    ("蕉", "jiao"), ("菡", "han"), ("萝", "luo"), ("茉", "mo"), ("藤", "teng"), ("柿", "shi"),
    ("梧", "wu"), ("楸", "qiu"), ("榛", "zhen"), ("棕", "zong"), ("粟", "su"), ("黍", "shu"),
    ("稻", "dao"), ("穗", "sui"), ("雯", "wen"), ("霓", "ni"),
)

# Pinyin of real place names (stems and first two characters of every name in the
# adcodes table of the cpca package, 2020, read with pypinyin) that two syllables of
# the larger table would spell and _REAL_PLACE_PINYIN lacks: checked only with the
# larger table, so the committed demo's draws are unchanged.
_REAL_PLACE_PINYIN_MORE = frozenset(
    """
    baixiang bijiang cangwu changchun changji changjiang changli changping changshan changshu
    changting changxing changyi chenghua chengjiang chengwu chengxiang chengzi chunhua conghua
    congjiang congtai cuiluan daocheng daofu daoli daozhen dianbai dianjiang didao feicheng feixi
    feixiang fenghua fengman fengqiu fengxiang fengzhen fujin furong fusui hancheng hanjiang hannan
    hanshan hantai hanting haojiang hefei hejiang hejin helin honghua hongjiang hongwei huadian
    huaihua huailai huanan huaping huarong huashan huating huaxi huaying huichang huicheng huichun
    huiji huilai huili huinan huishan huitong jiangcheng jianghan jianghua jiangjin jiangling
    jiangnan jiangshan jiangsu jiangxi jiangxia jiangyan jiangzi jiaocheng jiaohe jiaojiang jiaoling
    jimo jimu jinchang jincheng jinfeng jingjiang jinhua jinjiang jinming jinnan jinping jinshan
    jinshi jintai jintan jintang jinxi jinxiang jinyun jishi juancheng jurong kecheng kelan keping
    keqiao keshan kezi kuiwen laicheng laifeng laishan laiwu laixi lanping lianhua lianjiang lijiang
    lijin lindian lingqiu lingshi lingwu linjiang linshu linwei linwu linxiang linyi linying lishi
    lishu liucheng liuhe liujiang liulin liunan liuzhi luancheng luannan luanping ludian lujiang
    luocheng luodian luojiang luonan luoping luopu luoshan lushi luyi mancheng meihe meijiang meili
    mohe mojiang moli moyu mozhu mulan muli muping nanchang nanhua nanjiang nanjiao nanmu nimu
    pengjiang penglai pengshan pengxi pingchang pingjiang pingluo pingwu pingxiang pingyi pujiang
    qianfeng qianjiang qianjin qiannan qianshan qianwei qianxi qingbai qingdao qingjiang qingliu
    qingtong qingzhen qinhuai qinnan queshan rongchang rongcheng rongjiang sangzhu shanwei shicheng
    shidian shifeng shihe shijing shilin shinan shiping shiqian shitai shixia shixing shiyan shizhu
    shizong shucheng shufu shulan shushan songjiang sucheng suichang suihua suijiang suiping suixi
    sunan suni suqian susong suyu taijiang tailai taipu taiqian taizi tongdao tonghua tongjiang
    tongwei tongxiang weichang weicheng weihui weinan weishan weishi weixi wenchang wencheng wenfeng
    wenjiang wenling wenshan wensu wenxi wuchang wucheng wudi wufeng wuhan wuhe wuhua wuji wujiang
    wujin wulan wulian wuling wulu wuming wuping wuqiao wuqing wushan wusu wutai wutong wuwei wuxi
    wuxiang wuxing wuxuan wuyi wuying wuzhi xiahua xiajiang xiajin xiangcheng xiangfu xianghe
    xiangqiao xiangshan xiangtan xiangxi xiangyun xiaochang xiaodian xiaojin xiaonan xiaoshan
    xiaoting xiaoyi xiayi xichang xihua xinghua xingwen xingyi xishi xiwu xixiang xuancheng xuanhan
    xuanhua xuanwei xuanwu yanchang yanjiang yanjin yanshi yichang yicheng yichun yifeng yijiang
    yijin yilan yili yiling yinan yingcheng yingji yingjiang yingshan yingtan yitong yiwu yixing
    yizhang yuhua yuhui yujiang yunxiao yushu zhangdao zhangdian zhangqiu zhangshu zhangwu zhejiang
    zhenfeng zhenjiang zhenlai zhenping zhenxing zherong zhijiang zhijin zhuhui zijin ziliu ziyun
    zizhi
    """.split()
)

# The home city (the analyst's city): fixed, recognisable units mixing all three
# tiers. (code suffix, hanzi, pinyin, kind, tier, joined, position within the tier
# as a quantile of the latent level); tier 0 = most ambitious. 芦源县 sits low in
# its tier, so that the demo has a home unit at risk of a warning talk.
_HOME_UNITS: tuple[tuple[int, str, str, str, int, int, float], ...] = (
    (2, "岚城", "Lancheng", "district", 0, 2019, 0.7),
    (3, "青湖", "Qinghu", "district", 1, 2023, 0.5),
    (21, "柘桥", "Zheqiao", "county", 1, 2019, 0.6),
    (22, "枫岭", "Fengling", "county", 1, 2019, 0.35),
    (23, "芦源", "Luyuan", "county", 2, 2019, 0.08),
    (24, "檀口", "Tankou", "county", 2, 2021, 0.5),
    (81, "澄汀", "Chengting", "city", 0, 2019, 0.4),
)

_SUFFIX = {"district": ("区", "District"), "county": ("县", "County"), "city": ("市", "City")}


#: Largest number of names drawn from :data:`_SYLLABLES` alone: 40 % of its 2,498
#: usable spellings, so that drawing (by rejection) stays quick and the names varied.
BASE_TABLE_NAMES = 1000


def _syllables(n_names: int) -> tuple[tuple[tuple[str, str], ...], frozenset[str]]:
    """The syllable table and the real place names to avoid, for ``n_names`` names.

    Up to :data:`BASE_TABLE_NAMES` the 60 syllables of :data:`_SYLLABLES` (the
    committed demo's draws); above, the 106 with :data:`_MORE_SYLLABLES` (9,067
    usable spellings: 3,000 units and 480 cities fill 38 % of them).
    """
    if n_names <= BASE_TABLE_NAMES:
        return _SYLLABLES, _REAL_PLACE_PINYIN
    return _SYLLABLES + _MORE_SYLLABLES, _REAL_PLACE_PINYIN | _REAL_PLACE_PINYIN_MORE


class _Namer:
    """Draws unique two-syllable names (unique in Chinese and in pinyin)."""

    def __init__(self, rng: np.random.Generator, n_names: int = 0) -> None:
        self.rng = rng
        self.syllables, self.avoid = _syllables(n_names)
        self.used_zh: set[str] = set()
        self.used_en: set[str] = set()

    def reserve(self, zh: str, en: str) -> None:
        self.used_zh.add(zh)
        self.used_en.add(en.lower())

    def draw(self) -> tuple[str, str]:
        table = self.syllables
        n = len(table)
        while True:
            a, b = self.rng.choice(n, size=2, replace=False)
            zh = table[a][0] + table[b][0]
            en = (table[a][1] + table[b][1]).capitalize()
            if zh not in self.used_zh and en.lower() not in self.used_en and en.lower() not in self.avoid:
                self.reserve(zh, en)
                return zh, en


# ---------------------------------------------------------------------------
# generation
# ---------------------------------------------------------------------------


def _category_tiers(fw: Framework) -> list[str]:
    """Category ids from most to least ambitious targets.

    Ambition of a category = mean over indicators of its target's standardised
    distance from the mean target (sign-adjusted so that "better" is positive).
    Ties keep the framework order.
    """
    t = fw.targets
    width = np.abs(fw.targets - fw.goalposts).mean(axis=0)
    width = np.where(width > 0, width, 1.0)
    sign = np.where(fw.higher_is_better, 1.0, -1.0)
    ambition = ((t - t.mean(axis=0)) * sign / width).mean(axis=1)
    order = sorted(range(len(fw.category_ids)), key=lambda c: (-round(float(ambition[c]), 9), c))
    return [fw.category_ids[c] for c in order]


def _tier_shares(n_tiers: int) -> np.ndarray:
    if n_tiers == 3:
        return np.array([0.25, 0.5, 0.25])
    return np.full(n_tiers, 1.0 / n_tiers)


def _city_sizes(rng: np.random.Generator, n_other_cities: int, n_other_units: int) -> list[int]:
    sizes = rng.integers(5, 9, size=n_other_cities)
    while sizes.sum() != n_other_units:  # nudge random cities until the total is right
        k = int(rng.integers(n_other_cities))
        if sizes.sum() > n_other_units and sizes[k] > 5:
            sizes[k] -= 1
        elif sizes.sum() < n_other_units and sizes[k] < 8:
            sizes[k] += 1
    return [int(s) for s in sizes]


def n_cities(units: int) -> int:
    """Cities of a demo province of ``units`` units: 16 per 100 units, rounded (never a tie)."""
    return (units * N_CITIES * 2 + N_UNITS) // (2 * N_UNITS)


def _unit_code(city: int, suffix: int, cities: int) -> str:
    """The 6-digit code of unit ``suffix`` (02.. districts, 21.. counties, 81.. cities) of city
    ``city`` (0 = the home city): ``99CCUU`` while the cities fit in two digits (up to 99
    cities, 621 units), else ``9CCCUU``. No real code starts with 9 (real provinces are 11-82)."""
    return f"99{city + 1:02d}{suffix:02d}" if cities <= 99 else f"9{city + 1:03d}{suffix:02d}"


def _check_units(units: object) -> int:
    """``units`` as an int in MIN_UNITS..MAX_UNITS; a ``ValueError`` for anything else."""
    if isinstance(units, bool) or not isinstance(units, (int, np.integer)) or not MIN_UNITS <= int(units) <= MAX_UNITS:
        raise ValueError(f"expected a number of units from {MIN_UNITS} to {MAX_UNITS}, got {units!r}")
    return int(units)


def _build_register(fw: Framework, rng: np.random.Generator, units: int = N_UNITS) -> tuple[pd.DataFrame, np.ndarray]:
    """The register and the standardised latent level of each unit (same order)."""
    tiers = _category_tiers(fw)
    cities = n_cities(units)
    namer = _Namer(rng, units + cities)
    namer.reserve(HOME_CITY[:-1], HOME_CITY_EN)
    for _, zh, en, *_rest in _HOME_UNITS:
        namer.reserve(zh, en)

    n_other_units = units - len(_HOME_UNITS)
    sizes = _city_sizes(rng, cities - 1, n_other_units)
    city_names = [namer.draw() for _ in sizes]

    rows: list[dict[str, object]] = []
    home_tier: list[int] = []
    home_quantile: list[float] = []
    for suffix, zh, en, kind, tier, joined, quantile in _HOME_UNITS:
        zs, es = _SUFFIX[kind]
        rows.append(
            dict(code=_unit_code(0, suffix, cities), name_zh=zh + zs, name_en=f"{en} {es}", city=HOME_CITY, city_en=HOME_CITY_EN,
                 is_district=int(kind == "district"), joined=joined, _city=0)
        )
        home_tier.append(tier)
        home_quantile.append(quantile)
    n_home = len(rows)

    for c, (size, (czh, cen)) in enumerate(zip(sizes, city_names), start=1):
        n_district = int(rng.integers(1, 4))
        n_city = int(rng.random() < 0.45)
        n_county = size - n_district - n_city
        if n_county < 1:
            n_district -= 1 - n_county
            n_county = 1
        kinds = ["district"] * n_district + ["county"] * n_county + ["city"] * n_city
        counters = {"district": 2, "county": 21, "city": 81}
        for kind in kinds:
            zh, en = namer.draw()
            zs, es = _SUFFIX[kind]
            rows.append(
                dict(code=_unit_code(c, counters[kind], cities), name_zh=zh + zs, name_en=f"{en} {es}", city=czh + "市",
                     city_en=cen, is_district=int(kind == "district"), joined=2019, _city=c)
            )
            counters[kind] += 1

    reg = pd.DataFrame(rows)
    n = len(reg)
    is_district = reg["is_district"].to_numpy(dtype=float)
    city_idx = reg["_city"].to_numpy()

    # joining year: most units 2019; some 2021; a few districts join in 2023 (3 per 93 other units)
    joined = reg["joined"].to_numpy().copy()
    others = np.arange(n_home, n)
    joined[others[rng.random(others.size) < 0.08]] = 2021
    districts = others[is_district[others] == 1]
    n_late = min(max(1, round(3 * others.size / (N_UNITS - n_home))), districts.size)
    joined[rng.choice(districts, size=n_late, replace=False)] = 2023
    reg["joined"] = joined

    # latent level: city effect + county effect + a district premium
    city_effect = np.concatenate([[0.0], rng.normal(0.0, 0.75, cities - 1)])
    latent = city_effect[city_idx] + rng.normal(0.0, 0.7, n) + 0.35 * is_district
    latent = (latent - latent.mean()) / latent.std()

    # categories of the other units: by (noisy) latent rank, in tier shares
    shares = _tier_shares(len(tiers))
    noisy = latent[others] + rng.normal(0.0, 0.3, others.size)
    rank = np.empty(others.size, dtype=int)
    rank[np.argsort(-noisy, kind="stable")] = np.arange(others.size)
    bounds = np.round(np.cumsum(shares) * others.size).astype(int)
    tier_of = np.searchsorted(bounds, rank, side="right")
    tier = np.empty(n, dtype=int)
    tier[others] = np.minimum(tier_of, len(tiers) - 1)
    # home units: fixed tiers; latent near a fixed quantile of their tier's levels
    for k in range(n_home):
        t = min(home_tier[k], len(tiers) - 1)
        tier[k] = t
        peers = latent[others][tier[others] == t]
        latent[k] = float(np.quantile(peers, home_quantile[k])) + rng.normal(0.0, 0.1 * float(peers.std()))
    reg["category"] = [tiers[t] for t in tier]

    reg = reg.sort_values("code", kind="stable").reset_index(drop=True)
    order = np.argsort(np.array([r["code"] for r in rows]), kind="stable")
    latent = latent[order]
    return reg[REGISTER_COLUMNS].copy(), latent


def _clip(x: np.ndarray, lo: float, hi: float) -> np.ndarray:
    return np.clip(x, lo, hi)


def _round(x: np.ndarray, decimals: int) -> np.ndarray:
    return np.round(x, decimals) + 0.0  # + 0.0 turns -0.0 into 0.0


def _indicator_values(fw: Framework, latent: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, dict[str, int]]:
    """Indicator values, shape (n_years, n_units, n_indicators), before missing/outliers."""
    tiers = _category_tiers(fw)
    middle = fw.category_ids.index(tiers[len(tiers) // 2])
    n, m = latent.size, len(fw.indicators)
    out = np.empty((len(YEARS), n, m))
    decimals: dict[str, int] = {}
    y22, y23 = YEARS.index(2022), YEARS.index(2023)
    growth_23: dict[str, np.ndarray] = {}
    deferred: list[tuple[int, _Spec]] = []
    for j, ind in enumerate(fw.indicators):
        spec = _SPECS.get(ind.id) or _fallback_spec(ind, fw, middle)
        decimals[ind.id] = spec.decimals
        vlo, vhi = ind.valid_range
        lo = vlo if spec.lo is None else max(vlo, spec.lo)
        hi = vhi if spec.hi is None else min(vhi, spec.hi)
        d = 1.0 if ind.direction == "higher" else -1.0
        z = spec.b * latent + math.sqrt(1.0 - spec.b**2) * rng.normal(size=n)
        if spec.growth:
            z22 = spec.b * latent + math.sqrt(1.0 - spec.b**2) * rng.normal(size=n)
            x23 = spec.mu + spec.sd * d * z
            x22 = spec.mu_2022 + spec.sd * d * z22
        elif spec.log:
            x23 = np.exp(math.log(spec.mu) + spec.sd * d * z)
            x22 = x23  # replaced below from the 2023 growth rate
            deferred.append((j, spec))
        else:
            x23 = spec.mu + spec.sd * d * z
            step = spec.progress * (1.0 + 0.3 * rng.normal(size=n)) + 0.1 * spec.sd * rng.normal(size=n)
            x22 = x23 - d * step
        out[y23, :, j] = _round(_clip(x23, lo, hi), spec.decimals)
        out[y22, :, j] = _round(_clip(x22, lo, hi), spec.decimals)
        if spec.growth:
            growth_23[ind.id] = out[y23, :, j]
    for j, spec in deferred:
        ind = fw.indicators[j]
        vlo, vhi = ind.valid_range
        lo = vlo if spec.lo is None else max(vlo, spec.lo)
        hi = vhi if spec.hi is None else min(vhi, spec.hi)
        growth = growth_23.get(f"{ind.id}_growth")
        if growth is None:
            growth = 6.0 + rng.normal(0.0, 1.5, n)  # a few per cent a year
        out[y22, :, j] = _round(_clip(out[y23, :, j] / (1.0 + growth / 100.0), lo, hi), spec.decimals)
    return out, decimals


def _outlier_value(ind: Indicator, spec: _Spec, value: float, rng: np.random.Generator) -> float:
    """An implausible but possible value: 3.5-5 spreads away (either way), in range."""
    lo, hi = ind.valid_range
    k = rng.uniform(3.5, 5.0) * (1.0 if rng.random() < 0.5 else -1.0)
    if spec.log:
        x = value * math.exp(k * spec.sd)
    else:
        x = value + k * spec.sd
    # past a bound: land a tenth of the way back from the bound (inside the range)
    if x < lo:
        x = lo + 0.1 * (value - lo)
    elif x > hi:
        x = hi - 0.1 * (hi - value)
    return float(_round(np.array([x]), spec.decimals)[0])


def _adjustment_counts(
    fw: Framework, reg: pd.DataFrame, latent: np.ndarray, rng: np.random.Generator, n_years: int
) -> dict[str, np.ndarray]:
    """Counts per adjustment input, shape (n_years, n_units) each; every veto input below its threshold."""
    n = latent.size
    tiers = _category_tiers(fw)
    tier = np.array([tiers.index(c) for c in reg["category"]])
    lagging = (tier == len(tiers) - 1).astype(float)
    advanced = (tier == 0).astype(float)
    shape = (n_years, n)
    out: dict[str, np.ndarray] = {}
    adj = fw.adjustments
    for k, item in enumerate(adj.bonus.items):
        p = 0.04 + 0.02 * k + 0.06 * advanced
        hits = rng.random(shape) < p
        twice = rng.random(shape) < 0.05
        out[item.id] = hits * (1 + twice)
    veto_inputs = {v.input for v in adj.vetoes}
    for k, ded in enumerate(adj.deductions):
        if k == 0:  # the return-to-poverty-like deduction: Poisson, higher in lagging units
            counts = rng.poisson(0.08 + 0.35 * lagging, size=shape)
        else:
            counts = (rng.random(shape) < 0.03).astype(int)
        out[ded.id] = np.minimum(counts, 3)
    for inp in veto_inputs:
        out.setdefault(inp, np.zeros(shape, dtype=int))
    for v in adj.vetoes:
        out[v.input] = np.minimum(out[v.input], max(math.ceil(v.threshold) - 1, 0))
    return out


def _adjustment_values(
    fw: Framework, reg: pd.DataFrame, latent: np.ndarray, rng: np.random.Generator
) -> dict[str, np.ndarray]:
    """Counts per adjustment input for :data:`YEARS`, shape (n_years, n_units) each: the
    counts of :func:`_adjustment_counts`, then one veto tripped in 2023 per 100 units (exactly
    one in the committed demo), outside the home city."""
    tiers = _category_tiers(fw)
    tier = np.array([tiers.index(c) for c in reg["category"]])
    lagging = (tier == len(tiers) - 1).astype(float)
    out = _adjustment_counts(fw, reg, latent, rng, len(YEARS))
    adj = fw.adjustments
    trip = next((v for v in adj.vetoes if v.input in {d.id for d in adj.deductions}), adj.vetoes[0] if adj.vetoes else None)
    if trip is not None:
        y23 = YEARS.index(2023)
        eligible = np.flatnonzero((reg["city"].to_numpy() != HOME_CITY) & (reg["joined"].to_numpy() <= 2022))
        pool = eligible[lagging[eligible] == 1] if (lagging[eligible] == 1).any() else eligible
        n_vetoed = min(max(1, round(latent.size / N_UNITS)), pool.size)  # one per 100 units
        vetoed = [int(rng.choice(pool))] if n_vetoed == 1 else rng.choice(pool, size=n_vetoed, replace=False)
        out[trip.input][y23, vetoed] = max(VETO_CASES, math.ceil(trip.threshold))
    return {k: np.asarray(v, dtype=float) for k, v in out.items()}


def _spec(fw: Framework, ind: Indicator) -> _Spec:
    tiers = _category_tiers(fw)
    middle = fw.category_ids.index(tiers[len(tiers) // 2])
    return _SPECS.get(ind.id) or _fallback_spec(ind, fw, middle)


def _plausible_range(ind: Indicator, spec: _Spec) -> tuple[float, float]:
    vlo, vhi = ind.valid_range
    return (vlo if spec.lo is None else max(vlo, spec.lo), vhi if spec.hi is None else min(vhi, spec.hi))


def _extend_years(
    fw: Framework, core: np.ndarray, latent: np.ndarray, years: list[int], rng: np.random.Generator
) -> np.ndarray:
    """Clean indicator values for ``years`` (a contiguous range containing :data:`YEARS`), shape
    (n_years, n_units, n_indicators), the :data:`YEARS` rows taken from ``core``.

    Earlier years step back from the next one, later years forward from the previous one,
    with the same model as 2022 from 2023: one year of progress (±30 % per unit, plus a
    little noise); growth rates drawn afresh around their national level (``mu_2022``
    before 2022, ``mu`` after 2023); rural income divided (multiplied) by its growth.
    """
    n, m = latent.size, len(fw.indicators)
    out = np.empty((len(years), n, m))
    for y, year in enumerate(YEARS):
        out[years.index(year)] = core[y]
    specs = [_spec(fw, ind) for ind in fw.indicators]
    growth_of = {f"{ind.id}_growth": j for j, ind in enumerate(fw.indicators)}
    back = [(year, year + 1) for year in range(YEARS[0] - 1, years[0] - 1, -1)]
    ahead = [(year, year - 1) for year in range(YEARS[-1] + 1, years[-1] + 1)]
    for year, known in back + ahead:
        t, k = years.index(year), years.index(known)
        sign = 1.0 if year > known else -1.0  # forward adds a year of progress, backward removes it
        order = sorted(range(m), key=lambda j: not specs[j].growth)  # growth rates first: income needs them
        for j in order:
            ind, spec = fw.indicators[j], specs[j]
            lo, hi = _plausible_range(ind, spec)
            d = 1.0 if ind.direction == "higher" else -1.0
            if spec.growth:
                mu = spec.mu_2022 if year < YEARS[0] else spec.mu
                z = spec.b * latent + math.sqrt(1.0 - spec.b**2) * rng.normal(size=n)
                x = mu + spec.sd * d * z
            elif spec.log:
                g_j = growth_of.get(ind.id)
                # the growth that links the two years: of the later one
                g = out[max(t, k), :, g_j] if g_j is not None else 6.0 + rng.normal(0.0, 1.5, n)
                x = out[k, :, j] * (1.0 + g / 100.0) ** sign
            else:
                step = spec.progress * (1.0 + 0.3 * rng.normal(size=n)) + 0.1 * spec.sd * rng.normal(size=n)
                x = out[k, :, j] + sign * d * step
            out[t, :, j] = _round(_clip(x, lo, hi), spec.decimals)
    return out


def _plant(
    fw: Framework, values: np.ndarray, rng: np.random.Generator
) -> list[tuple[int, int, int]]:
    """Outliers, then missing values (never both in one cell), in place; returns the outlier cells (year, unit, indicator)."""
    n_years, n, m = values.shape
    n_cells = values.size
    flat = values.reshape(-1)
    n_out = max(1, round(OUTLIER_SHARE * n_cells))
    cells = []
    for cell in rng.choice(n_cells, size=n_out, replace=False):
        j = int(cell % m)
        ind = fw.indicators[j]
        flat[cell] = _outlier_value(ind, _spec(fw, ind), float(flat[cell]), rng)
        cells.append((int(cell // (n * m)), int(cell // m % n), j))
    missing = rng.random(values.shape) < MISSING_SHARE
    values[missing] = np.nan
    return cells


def _years(years: object) -> list[int]:
    """The demo's years as a sorted contiguous list; a ``ValueError`` for anything else."""
    out = sorted({int(y) for y in years})  # type: ignore[attr-defined]
    if not out or out != list(range(out[0], out[-1] + 1)) or YEARS[-1] not in out:
        # the demo's register has units joining in 2023: a panel without 2023 would not fit it
        raise ValueError(f"expected a contiguous range of years that includes {YEARS[-1]}, such as 2019-{YEARS[-1]}, got {years!r}")
    return out


@dataclass(frozen=True)
class _Demo:
    register: pd.DataFrame
    values: pd.DataFrame
    decimals: dict[str, int]
    outliers: pd.DataFrame  # code, indicator, year, value, clean_value


def _generate(fw: Framework, seed: int, years: object = YEARS, units: int = N_UNITS) -> _Demo:
    wanted = _years(years)
    n_units = _check_units(units)
    rng = np.random.default_rng(seed)
    reg, latent = _build_register(fw, rng, n_units)
    values, decimals = _indicator_values(fw, latent, rng)
    clean = values.copy()
    planted = _plant(fw, values, rng)
    adjust = _adjustment_values(fw, reg, latent, rng)
    adj_ids = fw.adjustment_input_ids

    all_years = list(range(min(wanted[0], YEARS[0]), max(wanted[-1], YEARS[-1]) + 1))
    if all_years != list(YEARS):
        # extra years from a stream of their own: the YEARS rows stay byte for byte the same
        ext = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(EXTRA_YEARS_STREAM,)))
        panel_clean = _extend_years(fw, clean, latent, all_years, ext)
        extra = [y for y, year in enumerate(all_years) if year not in YEARS]
        extra_values = panel_clean[extra].copy()
        extra_planted = _plant(fw, extra_values, ext)
        panel = panel_clean.copy()
        panel[extra] = extra_values
        for y, year in enumerate(YEARS):
            panel[all_years.index(year)] = values[y]
        planted = [(all_years.index(YEARS[y]), i, j) for y, i, j in planted] + [(extra[y], i, j) for y, i, j in extra_planted]
        counts = _adjustment_counts(fw, reg, latent, ext, len(extra))
        adjust_all = {}
        for a in adj_ids:
            full = np.zeros((len(all_years), latent.size))
            full[extra] = counts[a]
            for y, year in enumerate(YEARS):
                full[all_years.index(year)] = adjust[a][y]
            adjust_all[a] = full
        values, clean, adjust = panel, panel_clean, adjust_all

    n = latent.size
    joined = reg["joined"].to_numpy()
    codes = reg["code"].tolist()
    out_code: list[str] = []
    out_ind: list[str] = []
    out_year: list[int] = []
    out_val: list[float] = []
    ids = fw.indicator_ids + adj_ids
    for i in range(n):
        for y, year in enumerate(all_years):
            if joined[i] > year or year not in wanted:
                continue
            row = list(values[y, i, :]) + [adjust[a][y, i] for a in adj_ids]
            out_code += [codes[i]] * len(ids)
            out_ind += ids
            out_year += [year] * len(ids)
            out_val += [float(v) for v in row]
    vals = pd.DataFrame({"code": out_code, "indicator": out_ind, "year": out_year, "value": out_val})
    decimals.update({a: 0 for a in adj_ids})
    rows = [(codes[i], fw.indicator_ids[j], all_years[y], float(values[y, i, j]), float(clean[y, i, j]))
            for y, i, j in planted
            if all_years[y] in wanted and joined[i] <= all_years[y] and not math.isnan(values[y, i, j])]
    outliers = pd.DataFrame(rows, columns=["code", "indicator", "year", "value", "clean_value"])
    outliers = outliers.sort_values(["year", "code", "indicator"], kind="stable").reset_index(drop=True)
    return _Demo(reg, vals, decimals, outliers)


def generate_demo(
    framework: Framework, seed: int = DEFAULT_SEED, years: object = YEARS, units: int = N_UNITS
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Generate the synthetic demo province for ``framework``.

    Returns ``(register, values)``: the register (columns
    ``code,name_zh,name_en,city,city_en,category,is_district,joined``; ``code`` a
    6-digit string starting with ``99``, or ``9`` above 621 units) and the long-format values (columns
    ``code,indicator,year,value``; ``value`` a float, NaN when missing, already
    rounded per indicator). Deterministic in ``seed``; see the module docstring
    for the latent model.

    ``years``: a contiguous range of years (default :data:`YEARS`, 2022-2023). Years
    outside 2022-2023 come from a random stream of their own, so the 2022 and 2023
    values are the same whatever range is asked for (see *More years*).

    ``units``: the province's size, :data:`MIN_UNITS` to :data:`MAX_UNITS` (default
    :data:`N_UNITS`, the committed demo); see *Any size*. A ``ValueError`` otherwise.
    """
    demo = _generate(framework, seed, years, units)
    return demo.register, demo.values


def planted_outliers(
    framework: Framework, seed: int = DEFAULT_SEED, years: object = YEARS, units: int = N_UNITS
) -> pd.DataFrame:
    """The outliers the generator planted (3.5-5 spreads away, still in range) in
    :func:`generate_demo`'s values: ``code, indicator, year, value, clean_value`` (the
    value as written, and the value before it was planted); cells later blanked as
    missing and rows of units not yet assessed are left out."""
    return _generate(framework, seed, years, units).outliers


def _decimals(fw: Framework) -> dict[str, int]:
    """Rounding of each indicator's values (as the generator rounds them)."""
    tiers = _category_tiers(fw)
    middle = fw.category_ids.index(tiers[len(tiers) // 2])
    return {ind.id: (_SPECS.get(ind.id) or _fallback_spec(ind, fw, middle)).decimals for ind in fw.indicators}


def _ytd_indicators(fw: Framework) -> list[str]:
    """:data:`YTD_INDICATORS` in framework order; for a framework with none of them,
    its first eight indicators that are not growth rates (valid range from 0)."""
    ids = [i for i in fw.indicator_ids if i in YTD_INDICATORS]
    if not ids:
        ids = [i.id for i in fw.indicators if i.valid_range[0] >= 0][:8]
    return ids


def generate_demo_ytd(
    framework: Framework,
    register: pd.DataFrame,
    values: pd.DataFrame,
    seed: int = DEFAULT_SEED,
    year: int = 2023,
    month: int = 9,
) -> pd.DataFrame:
    """Year-to-date values of the home city's units for the demo (see the module docstring).

    ``register`` and ``values`` are :func:`generate_demo`'s output (long values,
    ``year - 1`` and ``year``). Returns columns ``code,indicator,year,month,value``
    (``value`` a float, rounded per indicator, inside the indicator's valid
    range), one row per home-city unit assessed in ``year`` and indicator of
    :func:`_ytd_indicators` that has a final value; sorted by code, then
    framework order. Deterministic in ``seed``; uses its own random stream.
    """
    if not 1 <= month <= 12:
        raise ValueError(f"month must be 1..12, got {month}")
    fw = framework
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(YTD_STREAM,)))
    ids = _ytd_indicators(fw)
    decimals = _decimals(fw)
    home = register[(register["city"] == HOME_CITY) & (register["joined"] <= year)]
    codes = sorted(str(c) for c in home["code"])
    vals = values[values["indicator"].isin(ids) & values["year"].isin([year - 1, year])]
    wide = vals.pivot_table(index=["indicator", "code"], columns="year", values="value", aggfunc="first", dropna=False)
    wide = wide.reindex(columns=[year - 1, year])
    # draws: one share per unit and indicator, in a fixed order (code, then framework order)
    shares = month / 12.0 + rng.uniform(-YTD_SPREAD, YTD_SPREAD, size=(len(codes), len(ids)))
    category = dict(zip(register["code"].astype(str), register["category"]))
    rows: list[tuple[str, str, int, int, float]] = []
    for a, code in enumerate(codes):
        k = fw.category_ids.index(category[code])
        for b, ind_id in enumerate(ids):
            j = fw.indicator_ids.index(ind_id)
            ind = fw.indicators[j]
            by_unit = wide.loc[ind_id]
            x0 = float(by_unit.at[code, year - 1]) if code in by_unit.index else math.nan
            x1 = float(by_unit.at[code, year]) if code in by_unit.index else math.nan
            if math.isnan(x1):
                continue  # no final value: no reading
            if math.isnan(x0):  # no value last year: the province's median change of the indicator
                change = (by_unit[year] - by_unit[year - 1]).median()
                x0 = x1 - (0.0 if math.isnan(change) else float(change))
            t = float(fw.targets[k, j])
            d = 1.0 if ind.direction == "higher" else -1.0
            p = float(shares[a, b])
            if (t - x0) * d > 0:  # short of the target: a share of the way to it, between x0 and x1
                x = min(max(x0 + p * (t - x0), min(x0, x1)), max(x0, x1))
            else:  # at the target already: a share of the year's own change
                x = x0 + min(max(p, 0.0), 1.0) * (x1 - x0)
            lo, hi = ind.valid_range
            x = float(np.clip(x, lo, hi))
            rows.append((code, ind_id, int(year), int(month), float(_round(np.array([x]), decimals[ind_id])[0])))
    return pd.DataFrame(rows, columns=YTD_COLUMNS)


# ---------------------------------------------------------------------------
# writing
# ---------------------------------------------------------------------------


def _csv_bytes(df: pd.DataFrame) -> bytes:
    buf = io.StringIO()
    df.to_csv(buf, index=False, lineterminator="\n")
    return buf.getvalue().encode("utf-8")


def _format_values(vals: pd.DataFrame, decimals: dict[str, int]) -> pd.DataFrame:
    text = [
        "" if (isinstance(v, float) and math.isnan(v)) else f"{v + 0.0:.{decimals[ind]}f}"
        for ind, v in zip(vals["indicator"], vals["value"])
    ]
    return pd.DataFrame(
        {"code": vals["code"].astype(str), "indicator": vals["indicator"].astype(str),
         "year": [str(int(y)) for y in vals["year"]], "value": text}
    )


def _resolve_framework_path(framework_path: str | Path) -> Path:
    path = Path(framework_path)
    if not path.exists() and not path.is_absolute() and (_REPO_ROOT / path).exists():
        return _REPO_ROOT / path
    return path


def _format_ytd(ytd: pd.DataFrame, decimals: dict[str, int]) -> pd.DataFrame:
    return pd.DataFrame(
        {"code": ytd["code"].astype(str), "indicator": ytd["indicator"].astype(str),
         "year": [str(int(y)) for y in ytd["year"]], "month": [str(int(m)) for m in ytd["month"]],
         "value": [f"{v + 0.0:.{decimals[ind]}f}" for ind, v in zip(ytd["indicator"], ytd["value"])]}
    )


def write_demo(
    out_dir: str | Path,
    framework_path: str | Path = "params/framework.yaml",
    seed: int = DEFAULT_SEED,
    years: object = YEARS,
    units: int = N_UNITS,
) -> list[Path]:
    """Write ``demo_register_synthetic.csv``, ``demo_values_synthetic.csv`` and
    ``demo_ytd_synthetic.csv`` (year-to-date values, :func:`generate_demo_ytd`).

    Each file is written to a temporary file in ``out_dir`` and then renamed, so
    an existing file is never left half-written. The bytes are identical on every
    run with the same framework and seed (UTF-8 without BOM, ``\\n`` line ends,
    numbers formatted per indicator). Returns the paths written.

    A relative ``framework_path`` that does not exist from the current directory
    is looked up from the repository root. ``years`` and ``units`` as for
    :func:`generate_demo`; the year-to-date values are for the last year.
    """
    fw = load_framework(_resolve_framework_path(framework_path))
    demo = _generate(fw, seed, years, units)
    reg, vals, decimals = demo.register, demo.values, demo.decimals
    out = Path(out_dir)
    reg_text = reg.astype({"is_district": int, "joined": int}).astype(str)
    last = int(vals["year"].max())
    ytd = generate_demo_ytd(fw, reg, vals, seed, year=last)
    return write_files(
        [
            (out / REGISTER_FILE, bytes_writer(_csv_bytes(reg_text))),
            (out / VALUES_FILE, bytes_writer(_csv_bytes(_format_values(vals, decimals)))),
            (out / YTD_FILE, bytes_writer(_csv_bytes(_format_ytd(ytd, decimals)))),
        ]
    )
