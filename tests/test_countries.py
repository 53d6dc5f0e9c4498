"""Country facts: harmonisation, landlocked (with the CEPII cross-check), memberships, existence."""
import pandas as pd
import pytest

from gravity.data import countries as c
from tests.conftest import require_data


def test_names_and_legacy_codes_to_iso3():
    got = c.to_iso3(["YUG", "ZAR", "ROM", "TMP", "PAL", "Kyrgyz Republic", "Türkiye",
                     "Iran (Islamic Republic of)", "  Ireland ", "Korea, Rep.", "Congo, Rep.",
                     "Congo, Dem. Rep.", "Niger", "Nigeria", "Dominica", "Dominican Republic", "KAZ"])
    assert got.tolist() == ["YUG", "COD", "ROU", "TLS", "PSE", "KGZ", "TUR", "IRN", "IRL", "KOR", "COG",
                            "COD", "NER", "NGA", "DMA", "DOM", "KAZ"]
    assert c.to_iso3("Kazakstan") == "KAZ"


def test_series_index_is_kept():
    s = pd.Series(["Tajikistan", "Uzbekistan"], index=[10, 20])
    assert c.to_iso3(s).index.tolist() == [10, 20]


def test_unknown_names_raise_listing_all_of_them():
    with pytest.raises(c.UnknownCountryError) as err:
        c.to_iso3(["Kazakhstan", "Atlantis", "Narnia", "Atlantis"], context="my file")
    assert err.value.unknown == ["Atlantis", "Narnia"]
    assert "my file" in str(err.value) and "name_overrides.csv" in str(err.value)
    assert c.to_iso3(["Narnia"], overrides={"Narnia": "XNA"}).tolist() == ["XNA"]


def test_code_kind():
    assert c.code_kind(["KAZ", "BUN", "YUG", "QQQ"]).tolist() == ["iso3", "area", "historical", "unknown"]


def test_landlocked_facts_and_years():
    lt = c.landlocked_table()
    assert (lt["group"] == "LLDC").sum() == 32                     # UN-OHRLLS list
    assert set(c.ECO) - {"IRN", "PAK", "TUR"} <= set(lt["iso3"])    # seven landlocked ECO members
    assert c.landlocked(["SRB", "SRB", "ETH", "ETH", "IRN"], [2005, 2006, 1992, 1993, 2000]).tolist() == [0, 1, 0, 1, 0]


def test_cepii_landlocked_crosscheck_finds_the_known_errors():
    require_data("cepii-geodist/geo_cepii.rda")
    from gravity import data as ds

    geo = ds.read_geo_cepii().rename(columns={"landlocked_cepii": "landlocked"})
    x = c.cepii_landlocked_crosscheck(geo)
    assert set(x.loc[x["status"] == "disagrees", "iso3"]) == {"AND", "BLR", "MDA", "SMR"}
    # AZE: PROVENANCE lists it among CEPII's errors, but CEPII flags it landlocked = 1, as UN-OHRLLS does
    assert geo.set_index("iso3").loc["AZE", "landlocked"] == 1 and "AZE" not in set(x["iso3"])
    assert set(x.loc[x["status"] == "absent from CEPII", "iso3"]) == {"LIE", "SRB", "SSD", "VAT", "XKX"}


def test_memberships_with_years():
    assert c.members("ECO", 1990) == ["IRN", "PAK", "TUR"]
    assert c.members("ECO", 2000) == sorted(c.ECO)
    assert c.member("EAEU", ["KGZ", "KGZ", "ARM", "TJK"], [2014, 2015, 2015, 2020]).tolist() == [0, 1, 1, 0]
    assert c.member("CIS", ["GEO", "GEO", "GEO"], [1992, 2000, 2010]).tolist() == [0, 1, 0]
    assert c.members("SCO", 2016) == ["CHN", "KAZ", "KGZ", "RUS", "TJK", "UZB"]
    assert "IRN" in c.members("SCO", 2023) and "IRN" not in c.members("SCO", 2022)
    with pytest.raises(ValueError, match="unknown bloc"):
        c.member("ASEAN", ["THA"], 2000)


def test_existence():
    assert c.exists(["KAZ", "KAZ", "SUN", "CSK", "CZE", "FRA"], [1988, 1992, 1992, 1992, 1992, 1964]).tolist() == \
        [False, True, False, True, False, True]


# ----------------------------------------------------------------------------- one authority for code rules

def test_unions_proxies_and_pair_recoding_come_from_one_place():
    assert c.UNIONS == {"BLX": ("BEL", "LUX")} and c.union_members("BLX") == ("BEL", "LUX")
    assert c.indicator_proxies() == {"BLX": "BEL"} and c.indicator_proxy("BLX") == "BEL"
    assert c.indicator_proxy("KAZ") is None
    assert c.pair_code_map() == {"YUG": "SRB", "BEL": "BLX"}
    with pytest.raises(ValueError, match="UNIONS"):
        c.union_members("ECO")
    # every code these rules produce or consume is a code the country authority knows
    codes = set(c.UNIONS) | {m for ms in c.UNIONS.values() for m in ms} | set(c.pair_code_map()) \
        | set(c.pair_code_map().values())
    assert codes <= c.known_codes()


def test_layers_above_use_the_authority():
    from gravity.panel import itpde
    from gravity.scenario import baseline, config

    assert itpde.PAIR_CODE_MAP == c.GEODIST_RECODES                  # ITPD-E has no BLX: YUG -> SRB only
    assert baseline.AGGREGATES is c.UNIONS
    assert config.known_iso3() == c.known_codes() and "BLX" in config.known_iso3()   # the validator accepts BLX


def test_cow_codes_map_by_year():
    got = c.cow_to_iso3([2, 701, 702, 703, 704, 705, 365, 365, 365, 255, 260, 260, 345, 345, 816, 816, 265],
                        [2000, 2000, 2000, 2000, 2000, 2000, 1900, 1950, 1992, 1990, 1989, 1990, 1996, 2006,
                         1970, 1980, 1980])
    assert got.tolist() == ["USA", "TKM", "TJK", "KGZ", "UZB", "KAZ", "RUS", "", "RUS", "DEU", "DEU", "", "",
                            "SRB", "", "VNM", ""]
    with pytest.raises(c.UnknownCountryError, match="cow_codes.csv"):
        c.cow_to_iso3([999], 2000)
    t = c.cow_codes()
    assert set(t.loc[t["iso3"] != "", "iso3"]) <= c.iso3_codes()
