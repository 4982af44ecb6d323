"""Korea's 243 local governments as of 2024: 17 metropolitan (광역) and 226 basic (기초), each
with its key, the date it exists from in the ledger, and the renames it went through inside the
dataset's 20 years.

A basic government's name repeats across provinces (중구 in six of them, 고성군 in 강원 and 경남);
its key does not: `kr-<province>-<nn>`, nn its place in the province's list below.

Founding dates: the day the government took its present form where that is known and later than
1949 (서울 1946-08-15, 부산 1963-01-01, …, 세종 2012-07-01; 창원시 2010-07-01 and 청주시
2014-07-01 by merger); the provinces 1949-08-15 (the 지방자치법 in force); every other basic
government 1995-07-01 (the first elected heads). 군위군, moved from 경북 to 대구 in 2023, is listed
under 대구 for the whole history: a government is a root, with no province above it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

PROVINCE = date(1949, 8, 15)
BASIC = date(1995, 7, 1)


@dataclass(frozen=True)
class Place:
    key: str
    name: str
    """The name in 2024."""
    metropolitan: bool
    founded: date
    renames: tuple[tuple[date, str], ...] = ()
    """(from, name) after the first name, oldest first; the first name is `first_name`."""
    first_name: str | None = None

    @property
    def registered_name(self) -> str:
        return self.first_name or self.name


METROPOLITAN = (
    Place("kr-seoul", "서울특별시", True, date(1946, 8, 15)),
    Place("kr-busan", "부산광역시", True, date(1963, 1, 1)),
    Place("kr-daegu", "대구광역시", True, date(1981, 7, 1)),
    Place("kr-incheon", "인천광역시", True, date(1981, 7, 1)),
    Place("kr-gwangju", "광주광역시", True, date(1986, 11, 1)),
    Place("kr-daejeon", "대전광역시", True, date(1989, 1, 1)),
    Place("kr-ulsan", "울산광역시", True, date(1997, 7, 15)),
    Place("kr-sejong", "세종특별자치시", True, date(2012, 7, 1)),
    Place("kr-gyeonggi", "경기도", True, PROVINCE),
    Place(
        "kr-gangwon",
        "강원특별자치도",
        True,
        PROVINCE,
        ((date(2023, 6, 11), "강원특별자치도"),),
        "강원도",
    ),
    Place("kr-chungbuk", "충청북도", True, PROVINCE),
    Place("kr-chungnam", "충청남도", True, PROVINCE),
    Place(
        "kr-jeonbuk",
        "전북특별자치도",
        True,
        PROVINCE,
        ((date(2024, 1, 18), "전북특별자치도"),),
        "전라북도",
    ),
    Place("kr-jeonnam", "전라남도", True, PROVINCE),
    Place("kr-gyeongbuk", "경상북도", True, PROVINCE),
    Place("kr-gyeongnam", "경상남도", True, PROVINCE),
    Place(
        "kr-jeju",
        "제주특별자치도",
        True,
        date(1946, 8, 1),
        ((date(2006, 7, 1), "제주특별자치도"),),
        "제주도",
    ),
)

BASIC_NAMES: dict[str, str] = {
    "seoul": (
        "종로구 중구 용산구 성동구 광진구 동대문구 중랑구 성북구 강북구 "
        "도봉구 노원구 은평구 서대문구 마포구 양천구 강서구 구로구 금천구 "
        "영등포구 동작구 관악구 서초구 강남구 송파구 강동구"
    ),
    "busan": (
        "중구 서구 동구 영도구 부산진구 동래구 남구 북구 해운대구 사하구 "
        "금정구 강서구 연제구 수영구 사상구 기장군"
    ),
    "daegu": "중구 동구 서구 남구 북구 수성구 달서구 달성군 군위군",
    "incheon": "중구 동구 미추홀구 연수구 남동구 부평구 계양구 서구 강화군 옹진군",
    "gwangju": "동구 서구 남구 북구 광산구",
    "daejeon": "동구 중구 서구 유성구 대덕구",
    "ulsan": "중구 남구 동구 북구 울주군",
    "gyeonggi": (
        "수원시 성남시 의정부시 안양시 부천시 광명시 평택시 동두천시 안산시 "
        "고양시 과천시 구리시 남양주시 오산시 시흥시 군포시 의왕시 하남시 "
        "용인시 파주시 이천시 안성시 김포시 화성시 광주시 양주시 포천시 "
        "여주시 연천군 가평군 양평군"
    ),
    "gangwon": (
        "춘천시 원주시 강릉시 동해시 태백시 속초시 삼척시 홍천군 횡성군 "
        "영월군 평창군 정선군 철원군 화천군 양구군 인제군 고성군 양양군"
    ),
    "chungbuk": "청주시 충주시 제천시 보은군 옥천군 영동군 증평군 진천군 괴산군 음성군 단양군",
    "chungnam": (
        "천안시 공주시 보령시 아산시 서산시 논산시 계룡시 당진시 금산군 "
        "부여군 서천군 청양군 홍성군 예산군 태안군"
    ),
    "jeonbuk": (
        "전주시 군산시 익산시 정읍시 남원시 김제시 완주군 진안군 무주군 "
        "장수군 임실군 순창군 고창군 부안군"
    ),
    "jeonnam": (
        "목포시 여수시 순천시 나주시 광양시 담양군 곡성군 구례군 고흥군 "
        "보성군 화순군 장흥군 강진군 해남군 영암군 무안군 함평군 영광군 "
        "장성군 완도군 진도군 신안군"
    ),
    "gyeongbuk": (
        "포항시 경주시 김천시 안동시 구미시 영주시 영천시 상주시 문경시 "
        "경산시 의성군 청송군 영양군 영덕군 청도군 고령군 성주군 칠곡군 "
        "예천군 봉화군 울진군 울릉군"
    ),
    "gyeongnam": (
        "창원시 진주시 통영시 사천시 김해시 밀양시 거제시 양산시 의령군 "
        "함안군 창녕군 고성군 남해군 하동군 산청군 함양군 거창군 합천군"
    ),
}
"""Each province's basic governments in the order of the 행정구역 lists (the order gives the
key)."""

BASIC_FOUNDED = {
    ("gyeongnam", "창원시"): date(2010, 7, 1),
    ("chungbuk", "청주시"): date(2014, 7, 1),
    ("chungnam", "계룡시"): date(2003, 9, 19),
    ("chungbuk", "증평군"): date(2003, 8, 30),
}
BASIC_RENAMED: dict[tuple[str, str], tuple[str, date]] = {
    ("incheon", "미추홀구"): ("남구", date(2018, 7, 1)),
    ("gyeonggi", "여주시"): ("여주군", date(2013, 9, 23)),
    ("chungnam", "당진시"): ("당진군", date(2012, 1, 1)),
}
"""(province, 2024 name): (earlier name, the day the present name took effect)."""


def basic_places() -> tuple[Place, ...]:
    places = []
    for province, names in BASIC_NAMES.items():
        for number, name in enumerate(names.split(), 1):
            founded = BASIC_FOUNDED.get((province, name), BASIC)
            key = f"kr-{province}-{number:02d}"
            if (province, name) in BASIC_RENAMED:
                first, on = BASIC_RENAMED[(province, name)]
                places.append(Place(key, name, False, founded, ((on, name),), first))
            else:
                places.append(Place(key, name, False, founded))
    return tuple(places)


PLACES = METROPOLITAN + basic_places()
"""All 243, metropolitan first: a government's index in this tuple orders the documents."""
