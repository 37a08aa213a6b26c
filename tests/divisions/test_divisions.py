"""Administrative divisions: lookup, hierarchy conventions, flow categories, address parsing."""

import time

import pytest

from webapp.divisions import (
    Division,
    children,
    flow_category,
    flow_label,
    full_name,
    get,
    is_leaf,
    parse_address,
    prefecture_of,
    province_of,
    provinces,
    search,
)
from webapp.divisions.names import short_name

XINCHANG = "330624"  # 新昌县, 绍兴市, 浙江省: the article's township


@pytest.mark.parametrize(
    ("code", "name", "level"),
    [
        ("330000", "浙江省", "province"),
        ("330100", "杭州市", "prefecture"),
        ("330109", "萧山区", "county"),
        ("330782", "义乌市", "county"),
        ("310000", "上海市", "province"),
        ("440100", "广州市", "prefecture"),
        ("330624", "新昌县", "county"),
        ("330602", "越城区", "county"),
        ("810000", "香港特别行政区", "province"),
    ],
)
def test_known_codes(code: str, name: str, level: str) -> None:
    d = get(code)
    assert d is not None
    assert (d.name, d.level) == (name, level)


def test_get_normalises_and_rejects() -> None:
    assert get(" 330109 ").code == "330109"
    assert get("33").code == "330000"  # NBS two-digit province code
    assert get("3301").code == "330100"
    assert get("330109001000").code == "330109"  # a town code: its county
    for bad in ("", None, "abc", "99", "999999", "33010", "３３０１０９x"):
        assert get(bad) is None


def test_hierarchy_of_an_ordinary_county() -> None:
    d = get("330109")
    assert (d.province_code, d.prefecture_code) == ("330000", "330100")
    assert province_of("330109").name == "浙江省"
    assert prefecture_of("330109").name == "杭州市"
    assert prefecture_of("330100").code == "330100"
    assert prefecture_of("330000") is None
    assert province_of("330000").code == "330000"
    assert full_name("330109") == "浙江省杭州市萧山区"
    assert full_name("330100") == "浙江省杭州市"
    assert full_name("330000") == "浙江省"
    assert full_name("123456") is None


@pytest.mark.parametrize("municipality", ["110000", "120000", "310000", "500000"])
def test_municipalities_have_one_prefecture(municipality: str) -> None:
    prefecture = municipality[:2] + "0100"
    kids = children(municipality)
    assert [k.code for k in kids] == [prefecture]
    assert get(prefecture).name == get(municipality).name
    counties = children(prefecture)
    assert counties
    assert all(c.prefecture_code == prefecture for c in counties)


def test_municipality_names_and_chongqing_counties() -> None:
    assert full_name("310112") == "上海市闵行区"
    assert full_name("310100") == "上海市"
    assert prefecture_of("310112").code == "310100"
    assert prefecture_of("310000").code == "310100"  # 上海 alone: its one prefecture
    assert prefecture_of("500000").code == "500100"
    assert get("500229").name == "城口县"  # GB/T 2260 files it under 500200 县
    assert get("500229").prefecture_code == "500100"
    assert get("500200") is None


@pytest.mark.parametrize("code", ["429004", "419001", "469002", "659001"])
def test_county_level_city_under_a_province_is_its_own_prefecture(code: str) -> None:
    d = get(code)
    assert d.level == "county"
    assert d.prefecture_code == code
    assert prefecture_of(code) == d
    assert get(code[:2] + "9000") is None  # the 省直辖县级行政区划 placeholder
    assert full_name("429004") == "湖北省仙桃市"


def test_city_without_counties_is_a_leaf() -> None:
    for code in ("441900", "442000", "460400", "620200"):
        assert get(code).level == "prefecture"
        assert is_leaf(code)
        assert children(code) == []
    assert not is_leaf("330100")
    assert is_leaf("330109")


def test_provinces_and_functional_zones() -> None:
    names = [p.name for p in provinces()]
    assert len(names) == 34
    assert {"浙江省", "新疆维吾尔自治区", "台湾省", "澳门特别行政区"} <= set(names)
    zone = get("320576")
    assert zone.name == "苏州工业园区"
    assert zone.functional
    assert not get("320505").functional


@pytest.mark.parametrize(
    ("destination", "expected"),
    [
        ("310000", "cross_province"),  # 上海
        ("310112", "cross_province"),  # 上海市闵行区
        ("440100", "cross_province"),  # 广州
        ("330100", "in_province"),  # 杭州
        ("330109", "in_province"),  # 萧山
        ("330782", "in_province"),  # 义乌
        ("330602", "in_prefecture"),  # 绍兴市越城区
        ("330681", "in_prefecture"),  # 诸暨市
        ("330624", "in_county"),  # 新昌县
    ],
)
def test_flow_categories_of_the_article(destination: str, expected: str) -> None:
    assert flow_category(XINCHANG, destination) == expected


@pytest.mark.parametrize(
    "destination",
    [
        None,
        "",
        "garbage",
        "999999",
        "330000",  # only "浙江": which prefecture?
        "330600",  # only "绍兴": which county?
    ],
)
def test_unclassifiable_destinations(destination: str | None) -> None:
    assert flow_category(XINCHANG, destination) is None
    assert flow_label(flow_category(XINCHANG, destination)) == "去向不明"


def test_flow_labels() -> None:
    assert flow_label("cross_province") == "跨省"
    assert flow_label("in_province") == "省内市外"
    assert flow_label("in_prefecture") == "市内县外"
    assert flow_label("in_county") == "县内"


def test_flow_within_a_municipality() -> None:
    minhang = "310112"
    assert flow_category(minhang, "310115") == "in_prefecture"  # 浦东新区
    assert flow_category(minhang, minhang) == "in_county"
    assert flow_category(minhang, "310000") is None
    assert flow_category(minhang, "320100") == "cross_province"
    assert flow_category("500101", "500229") == "in_prefecture"  # 重庆 district -> county


def test_flow_for_special_units() -> None:
    assert flow_category("429004", "429006") == "in_province"  # 仙桃 -> 天门
    assert flow_category("429004", "420100") == "in_province"  # 仙桃 -> 武汉
    assert flow_category("429004", "429004") == "in_county"
    assert flow_category("429004", "420000") is None
    assert flow_category("441900", "441900") == "in_county"  # 东莞 is its own county
    assert flow_category("441900", "440100") == "in_province"
    assert flow_category(XINCHANG, "810000") == "cross_province"  # 香港
    assert flow_category("320505", "320576") is None  # functional zone in the same city
    assert flow_category(XINCHANG, "320576") == "cross_province"


@pytest.mark.parametrize("home", ["330000", "330100", "", "999999"])
def test_flow_rejects_a_home_that_is_not_county_level(home: str) -> None:
    with pytest.raises(ValueError):
        flow_category(home, "310000")


@pytest.mark.parametrize(
    ("text", "code", "level"),
    [
        ("浙江省杭州市萧山区某街道123号", "330109", "county"),
        ("杭州萧山", "330109", "county"),
        ("杭州市", "330100", "prefecture"),
        ("杭州", "330100", "prefecture"),
        ("萧山", "330109", "county"),
        ("义乌", "330782", "county"),
        ("义乌市稠城街道", "330782", "county"),
        ("浙江义乌", "330782", "county"),
        ("上海市闵行区", "310112", "county"),
        ("上海浦东新区张江镇", "310115", "county"),
        ("上海", "310000", "province"),
        ("广州", "440100", "prefecture"),
        ("广东省广州市天河区", "440106", "county"),
        ("新昌县", "330624", "county"),
        ("新昌", "330624", "county"),
        ("绍兴市越城区", "330602", "county"),
        ("浙江 杭州 萧山", "330109", "county"),
        ("浙江省，杭州市，萧山区", "330109", "county"),
        ("北京朝阳", "110105", "county"),
        ("北京市朝阳区", "110105", "county"),
        ("吉林省长春市朝阳区", "220104", "county"),
        ("长春朝阳区", "220104", "county"),
        ("江苏南京鼓楼区", "320106", "county"),
        ("福州市鼓楼区", "350102", "county"),
        ("广西南宁", "450100", "prefecture"),
        ("内蒙古呼和浩特", "150100", "prefecture"),
        ("内蒙包头", "150200", "prefecture"),
        ("恩施州", "422800", "prefecture"),
        ("湖北恩施", "422800", "prefecture"),
        ("甘南州", "623000", "prefecture"),
        ("湖北省恩施州恩施市", "422801", "county"),
        ("本溪县", "210521", "county"),  # 本溪满族自治县
        ("济南市中区", "370103", "county"),  # the 市 of 济南市 opens 市中区
        ("青岛市南区", "370202", "county"),
        ("青岛市北京路", "370200", "prefecture"),  # but 市北 is not read out of 市北京路
        ("长阳", "420528", "county"),
        ("湖北仙桃", "429004", "county"),
        ("东莞市长安镇", "441900", "prefecture"),
        ("重庆城口", "500229", "county"),
        ("苏州工业园区", "320576", "county"),
        ("吉林", "220000", "province"),  # 吉林省, whichever is meant, contains 吉林市
        ("长沙", "430100", "prefecture"),  # 长沙市 contains 长沙县
        ("长沙县", "430121", "county"),
        ("河南", "410000", "province"),  # the province, not 青海's 河南蒙古族自治县
        ("青海海南", "632500", "prefecture"),  # a prefix province decides
        ("上海市南京路100号", "310000", "province"),  # 南京 is not in 上海: ignored
        ("330109", "330109", "county"),
        ("香港", "810000", "province"),
    ],
)
def test_parse_address(text: str, code: str, level: str) -> None:
    r = parse_address(text)
    assert (r.code, r.level) == (code, level)
    assert r.ambiguous == []
    assert r.division == get(code)


def test_parse_complete_addresses_have_no_problem() -> None:
    assert parse_address("浙江省杭州市萧山区").problem is None
    assert parse_address("东莞").problem is None  # a city without counties is complete


def test_parse_partial_address_names_what_is_missing() -> None:
    r = parse_address("上海")
    assert r.code == "310000"
    assert r.problem == "地址“上海”无法识别到区县（已识别：上海市），请填写省、市、区县"
    assert "广东省广州市" in parse_address("广州").problem


def test_parse_ambiguous_county() -> None:
    r = parse_address("朝阳区")
    assert r.code is None
    assert r.level is None
    assert [d.code for d in r.ambiguous] == ["110105", "220104"]
    assert r.problem == "“朝阳区”对应多个地区：北京市朝阳区、吉林省长春市朝阳区，请补充省市"


def test_parse_ambiguous_gulou_and_partial_disambiguation() -> None:
    r = parse_address("鼓楼区")
    assert r.code is None
    assert {full_name(d.code) for d in r.ambiguous} == {
        "江苏省南京市鼓楼区",
        "江苏省徐州市鼓楼区",
        "福建省福州市鼓楼区",
        "河南省开封市鼓楼区",
    }
    r = parse_address("江苏鼓楼区")  # the province narrows it, but not to one
    assert r.code is None
    assert [d.code for d in r.ambiguous] == ["320106", "320302"]
    assert r.problem.startswith("“鼓楼区”对应多个地区：江苏省南京市鼓楼区、江苏省徐州市鼓楼区")


@pytest.mark.parametrize("text", ["朝阳", "中山", "甘南", "通州区", "普陀区", "新区"])
def test_parse_never_guesses_between_unrelated_places(text: str) -> None:
    r = parse_address(text)
    assert r.code is None
    assert len(r.ambiguous) >= 2
    assert "对应多个地区" in r.problem
    assert r.problem.endswith("请补充省市")


def test_parse_bare_xinqu_lists_the_new_districts() -> None:
    r = parse_address("新区")
    assert "上海市浦东新区" in r.problem
    assert "天津市滨海新区" in {full_name(d.code) for d in r.ambiguous}


@pytest.mark.parametrize("text", ["", "   ", None, "，。", "asdf", "某街道123号", "x"])
def test_parse_empty_or_garbage(text: str | None) -> None:
    r = parse_address(text)
    assert r.code is None
    assert r.level is None
    assert r.division is None
    assert r.problem
    assert "请填写省、市、区县" in r.problem


def test_parse_garbage_message_quotes_the_text() -> None:
    assert parse_address("asdf").problem == "地址“asdf”无法识别，请填写省、市、区县"
    assert parse_address("").problem == "地址为空，请填写省、市、区县"
    long = "无" * 100
    assert len(parse_address(long).problem) < 60


def test_short_names() -> None:
    assert short_name("杭州市") == ("杭州", 1)
    assert short_name("萧山区") == ("萧山", 1)
    assert short_name("清新区") == ("清新", 1)
    assert short_name("浦东新区") == ("浦东", 1)
    assert short_name("锡林郭勒盟") == ("锡林郭勒", 1)
    assert short_name("恩施土家族苗族自治州") == ("恩施", 2)
    assert short_name("东乡族自治县") == ("东乡", 2)
    assert short_name("长白朝鲜族自治县") == ("长白", 2)
    assert short_name("塔什库尔干塔吉克自治县") == ("塔什库尔干", 2)
    assert short_name("内蒙古自治区") == ("内蒙古", 2)
    assert short_name("忠县") is None


def test_search() -> None:
    assert search("杭州")[0].code == "330100"
    assert search("萧山")[0].code == "330109"
    assert {d.code for d in search("朝阳区")} == {"110105", "220104"}
    assert [d.name for d in search("朝阳")][:1] == ["朝阳市"]
    assert len(search("区", limit=5)) == 5
    assert search("3306")[0].code == "330600"
    assert search("") == []
    assert search("zzz") == []
    assert all(isinstance(d, Division) for d in search("新"))
    # 上海 once, not also as its prefecture-equivalent 310100
    assert [d.code for d in search("上海市")] == ["310000"]


def test_parsing_ten_thousand_addresses_is_fast() -> None:
    samples = [
        "浙江省杭州市萧山区某街道123号",
        "杭州萧山",
        "上海市闵行区",
        "广州",
        "义乌市稠城街道",
        "朝阳区",
        "新区",
        "不知道",
        "北京市朝阳区建国路88号SOHO现代城",
        "江苏省苏州市工业园区星湖街328号",
    ]
    addresses = [f"{s}{i}" for i in range(1000) for s in samples]
    parse_address("预热")  # build the indexes outside the timing
    start = time.perf_counter()
    results = [parse_address(a) for a in addresses]
    assert time.perf_counter() - start < 3.0
    assert len(results) == 10_000
    assert results[0].code == "330109"
