"""The explorer's words in Chinese (default) and English."""

from __future__ import annotations

WORDS: dict[str, tuple[str, str]] = {
    "title": ("{city} {year} 年权重情景探索", "{city}, {year}: what-if weightings"),
    "weights": ("维度权重（分）", "Dimension weights (points)"),
    "sum": ("合计 <b>{sum}</b> / {scale} 分。规则：移动一项时，其余各项按比例缩放，合计始终为 {scale} 分。",
            "Sum <b>{sum}</b> of {scale} points. Rule: moving one weight rescales the others in proportion, "
            "so the sum stays {scale}."),
    "shares": ("指标权重（维度内占比，移动一项时其余按比例缩放，合计为 1）",
               "Indicator shares within a dimension (moving one rescales the others in proportion; they sum to 1)"),
    "methods": ("方法", "Methods"),
    "normalisation": ("标准化", "Normalisation"),
    "aggregation": ("加权方式", "Aggregation"),
    "missing": ("缺失值", "Missing values"),
    "preset": ("情景预设", "Scenario preset"),
    "preset_none": ("（选择情景文件）", "(choose a scenario file)"),
    "reset": ("恢复基准", "Reset to baseline"),
    "home": ("{city}各单位（风险最高者在前）", "{city}: units, most at risk first"),
    "col_unit": ("单位", "Unit"),
    "col_category": ("类别", "Category"),
    "col_total": ("得分", "Score"),
    "col_change": ("较基准", "vs baseline"),
    "col_rank": ("类别排名", "Rank in category"),
    "col_rank_base": ("基准排名", "Baseline rank"),
    "col_margin": ("距约谈线", "Margin to line"),
    "col_risk": ("风险", "Risk"),
    "leagues": ("各类别排名与约谈线", "Category leagues and the warning-talk line"),
    "league_title": ("{category}（{n} 个单位，后 {k} 名约谈）", "{category} ({n} units, bottom {k} talked to)"),
    "line": ("约谈线 {v}", "warning line {v}"),
    "bottom": ("后 {k} 名变化（相对基准）", "Bottom {k}: changes against the baseline"),
    "enter": ("进入", "enter"),
    "leave": ("离开", "leave"),
    "no_change": ("与基准相同", "as in the baseline"),
    "cities": ("市级排名（末位市标红）", "City league (the last city in red)"),
    "city_line": ("{city}：第 {rank}/{n} 名，{score} 分，距末位市 {margin} 分",
                  "{city}: {rank}/{n}, {score} points, {margin} above the last city"),
    "city_last": ("{city}：第 {rank}/{n} 名，{score} 分，为末位市", "{city}: {rank}/{n}, {score} points, the last city"),
    "tau": ("与基准的排序一致性（Kendall τ）：<b>{tau}</b>（1 = 排序完全相同）",
            "Agreement with the baseline order (Kendall's tau): <b>{tau}</b> (1 = the same order)"),
    "save": ("保存为情景", "Save as scenario"),
    "save_file": ("文件名", "File name"),
    "save_name_zh": ("中文名称", "Chinese name"),
    "save_name_en": ("英文名称", "English name"),
    "save_overwrite": ("覆盖已有文件", "Overwrite an existing file"),
    "saved": ("已保存：{path}（可用于 zhenxing simulate --scenario {path}）",
              "Saved: {path} (use it with zhenxing simulate --scenario {path})"),
    "exists": ("{path} 已存在：勾选“覆盖已有文件”后再保存", "{path} exists: tick \u201cOverwrite an existing file\u201d to replace it"),
    "invalid": ("无法保存：{msg}", "Not saved: {msg}"),
    "simulate": ("按当前权重模拟", "Simulate around these weights"),
    "sim_note": ("蒙特卡洛 {draws} 次：维度权重在当前权重附近按 Dirichlet 分布（集中度 300）抽样，指标数据加 2% 相对误差。",
                 "Monte Carlo, {draws} draws: dimension weights drawn around the current ones (Dirichlet, "
                 "concentration 300), 2 % relative noise on every indicator."),
    "sim_title": ("{city}各单位进入后 {k} 名的概率", "{city}: probability of a bottom-{k} finish"),
    "sim_done": ("已完成 {draws} 次抽样（{seconds:.1f} 秒）", "{draws} draws done ({seconds:.1f} s)"),
    "score_axis": ("得分", "Score"),
    "prob_axis": ("概率", "Probability"),
    "baseline": ("基准（考核办法）", "Baseline (framework)"),
    "error": ("无法计算：{msg}", "Cannot score: {msg}"),
}

METHODS: dict[str, tuple[str, str]] = {
    "goalpost": ("目标达成度（考核办法）", "target attainment (framework)"),
    "min_max": ("极差标准化", "min-max"),
    "rank": ("排名标准化", "rank"),
    "distance_to_target": ("距目标距离", "distance to target"),
    "arithmetic": ("算术加权（考核办法）", "arithmetic (framework)"),
    "geometric": ("几何加权", "geometric"),
    "topsis": ("TOPSIS", "TOPSIS"),
    "zero": ("记 0 分", "score 0"),
    "category_mean": ("取类别平均达成度", "category mean attainment"),
}


def word(key: str, lang: str, **fmt) -> str:
    zh, en = WORDS[key]
    text = en if lang == "en" else zh
    return text.format(**fmt) if fmt else text


def method(key: str, lang: str) -> str:
    pair = METHODS.get(key)
    return key if pair is None else pair[1 if lang == "en" else 0]
