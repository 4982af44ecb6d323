"""The parts the generator builds Korean names from: bureaus (실/국) and the themes of their
departments (과/담당관), the staffing series (직종 x 직급), task titles and budget items."""

from __future__ import annotations

BUREAUS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("기획조정실", ("기획", "예산", "조직", "평가", "법무", "감사", "대외협력", "규제개혁")),
    ("행정국", ("총무", "자치행정", "민원", "인사", "회계", "주민자치", "기록관리", "청사관리")),
    ("재정국", ("세정", "세무", "징수", "재산관리", "계약", "지방세", "세외수입", "재정")),
    (
        "경제산업국",
        ("지역경제", "일자리", "기업지원", "투자유치", "소상공인", "산업입지", "전통시장"),
    ),
    ("복지국", ("사회복지", "노인복지", "장애인복지", "기초생활", "자활", "희망복지", "복지시설")),
    ("여성가족국", ("여성", "가족", "아동", "보육", "청소년", "출산장려", "다문화", "양성평등")),
    ("보건국", ("보건", "건강증진", "감염병관리", "위생", "식품안전", "의약", "방역", "정신건강")),
    ("문화관광국", ("문화예술", "관광", "체육", "문화재", "축제", "도서관", "문화시설")),
    ("환경국", ("환경", "기후변화", "대기보전", "수질관리", "자원순환", "청소행정", "생태")),
    ("공원녹지국", ("공원", "녹지", "산림", "조경", "도시숲", "산림휴양")),
    (
        "도시계획국",
        ("도시계획", "도시재생", "도시개발", "경관", "토지정보", "지적", "개발제한구역"),
    ),
    ("주택건축국", ("주택", "건축", "공동주택", "주거복지", "건축안전", "임대주택")),
    ("건설국", ("도로", "건설", "하천", "치수", "도로관리", "지하시설", "교량")),
    ("교통국", ("교통", "대중교통", "교통행정", "주차", "교통시설", "택시", "보행")),
    ("시민안전실", ("안전", "재난관리", "민방위", "사회재난", "자연재난", "비상대비", "안전점검")),
    ("농정국", ("농업", "축산", "친환경농업", "농촌개발", "농산물유통", "농업기술", "귀농귀촌")),
    ("해양수산국", ("해양", "수산", "항만", "어업", "연안관리", "수산물유통")),
    ("교육협력국", ("평생교육", "교육지원", "평생학습", "인재육성", "교육협력")),
    ("상수도사업본부", ("상수도", "하수도", "수도시설", "정수", "하수처리", "물관리")),
)
"""(bureau, the themes of its departments). The first two are in every government."""

DEPARTMENT_SUFFIXES = (
    "과",
    "정책과",
    "지원과",
    "관리과",
    "기획과",
    "담당관",
    "운영과",
    "진흥과",
    "시설과",
    "사업과",
)

Series = tuple[str, str, str | None]
"""(series key, 직종, 직급); a 직급 of None is left out of the row."""

GENERAL: tuple[Series, ...] = tuple(
    (f"general-{g}", "일반직", f"{g}급") for g in (4, 5, 6, 7, 8, 9)
)
CORE: tuple[Series, ...] = (
    *GENERAL,
    ("special-6", "별정직", "6급상당"),
    ("term-6", "임기제", "6급상당"),
    ("management-8", "관리운영직", "8급"),
)
EXTRAS: tuple[Series, ...] = (
    ("special-5", "별정직", "5급상당"),
    ("term-part-7", "임기제", "시간선택제7급상당"),
    ("management-9", "관리운영직", "9급"),
    ("research", "연구직", "연구사"),
    ("guidance", "지도직", "지도사"),
    ("expert", "전문경력관", "나군"),
)
HEAD_ROWS: tuple[Series, ...] = (("general-3", "일반직", "3급"),)
"""Only the government's own table and its bureaus' have a 3급 row."""
ROOT_ROWS: tuple[Series, ...] = (("political", "정무직", None),)
SERIES = (*ROOT_ROWS, *HEAD_ROWS, *CORE, *EXTRAS)

AUTHORIZED: dict[str, tuple[int, int]] = {
    "general-3": (0, 1),
    "general-4": (0, 2),
    "general-5": (1, 4),
    "general-6": (3, 10),
    "general-7": (3, 12),
    "general-8": (1, 7),
    "general-9": (0, 6),
    "political": (1, 2),
}
"""The first authorized figure of a series, drawn between these (others: 0 to 3)."""

TASK_PREFIXES = (
    "시민 중심",
    "지속가능한",
    "스마트",
    "안전한",
    "미래형",
    "지역 맞춤형",
    "함께하는",
    "체감형",
    "디지털",
    "친환경",
)
TASK_NOUNS = ("서비스", "체계", "기반", "환경", "정책", "인프라", "네트워크", "지원사업", "제도")
TASK_VERBS = ("구축", "강화", "확대", "추진", "개선", "조성", "활성화", "고도화", "내실화")

BASE_ITEMS = ("부서운영 기본경비", "국내여비", "사무관리비")
ROOT_ITEMS = ("기관운영업무추진비", "시책추진업무추진비")
ITEM_NOUNS = ("지원", "운영", "시설 확충", "기반 조성", "활성화", "관리", "홍보", "시스템 구축")
ITEM_SUFFIXES = ("사업", "", "비")
ACCOUNTS = ("일반회계", "특별회계", "기금")
ACCOUNT_WEIGHTS = (0.8, 0.95)
"""An item's account: 일반회계 below 0.8 of a draw, 특별회계 below 0.95, else 기금."""
