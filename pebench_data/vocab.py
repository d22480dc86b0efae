"""The PEBench vocabulary (``vocab.yaml``: 17 occupation categories, 7 regions with cities, 40 events)
and a generator of fictitious person names.

Names: first and last names are drawn from pools of ten naming cultures (West African, East
African, East Asian, South Asian, Southeast Asian, Latin, Nordic/Germanic, Slavic, Arabic/Persian,
Pacific/Turkic). Every name part is one plain ASCII word (no spaces, hyphens or accents) so that
tokenizers trained on our text can give each part its own token. First name, last name and culture
are drawn independently, so the combinations are fictitious; full names are unique and name parts
are reused only once a pool is exhausted.
"""
from __future__ import annotations

import functools
from importlib import resources

import numpy as np
import yaml

# culture -> (female first names, male first names, last names)
NAME_POOLS: dict[str, tuple[list[str], list[str], list[str]]] = {
    "west_african": (
        "Adebola Chiamaka Ngozi Abena Efua Folake Yetunde Adaeze Akosua Funmilayo Ifeoma Nneka".split(),
        "Chinedu Kwame Oluwaseun Emeka Kofi Babatunde Obinna Yaw Tunde Kwabena Ikenna Segun".split(),
        "Okafor Adeyemi Mensah Boateng Okonkwo Balogun Asante Nwosu Oyelaran Owusu Eze Afolabi Darko Obi Ogunleye".split(),
    ),
    "east_african": (
        "Wanjiru Amara Zawadi Makena Nia Eshe Imani Selam Tigist Aziza Wambui Rehema".split(),
        "Juma Baraka Kamau Tendai Jabari Omondi Dawit Tesfaye Mwangi Otieno Kiprono Rashidi".split(),
        "Mwangi Ochieng Kariuki Wanjala Tadesse Bekele Njoroge Haile Kimani Mutua Achieng Gebre Kipchoge Wekesa Nyambura".split(),
    ),
    "east_asian": (
        "Yuki Sakura Haruka Jiwoo Minji Seoyeon Meiling Xiaoyu Aiko Hana Naoko Yerin".split(),
        "Haruto Takeshi Minjun Jihoon Wei Jian Hiroshi Kenta Seojun Daichi Hyunwoo Zhiwei".split(),
        "Tanaka Nakamura Watanabe Kobayashi Yamamoto Park Choi Jung Kang Chen Zhang Huang Takahashi Matsuda Hwang".split(),
    ),
    "south_asian": (
        "Priya Ananya Kavya Meera Nisha Lakshmi Aishwarya Deepika Sunita Riya Shreya Pooja".split(),
        "Arjun Rohan Vikram Sanjay Rahul Aditya Karthik Nikhil Pranav Ravi Suresh Imran".split(),
        "Sharma Patel Iyer Reddy Nair Gupta Banerjee Mehta Rao Chatterjee Desai Kapoor Menon Pillai Joshi".split(),
    ),
    "southeast_asian": (
        "Linh Mai Siti Putri Dewi Suda Malai Ayu Thuy Kanya Lan Ratna".split(),
        "Minh Anh Budi Agus Somchai Arief Tuan Bao Rizal Kiet Phong Surya".split(),
        "Nguyen Tran Pham Santoso Wijaya Suharto Chaiyaporn Srisuk Hidayat Le Vo Kusuma Saetang Dang Setiawan".split(),
    ),
    "latin": (
        "Camila Valentina Lucia Isabela Mariana Gabriela Ximena Renata Beatriz Daniela Paloma Ines".split(),
        "Mateo Santiago Diego Joaquin Rafael Thiago Alejandro Emilio Gustavo Rodrigo Tiago Andres".split(),
        "Rodriguez Fernandes Oliveira Castillo Morales Herrera Ramirez Silva Mendoza Vargas Souza Carvalho Aguilar Rojas Pereira".split(),
    ),
    "nordic_germanic": (
        "Ingrid Astrid Freya Sigrid Liesel Greta Elin Solveig Annika Katrin Maren Helga".split(),
        "Lars Anders Magnus Soren Henrik Johannes Leif Bjorn Matthias Tobias Erik Gunnar".split(),
        "Lindqvist Johansson Berglund Andersen Schneider Hoffmann Eriksen Nilsson Bauer Lehmann Dahl Holm Vogel Sandberg Krause".split(),
    ),
    "slavic": (
        "Katarzyna Milena Zofia Anastasia Darya Olena Jelena Bozena Ludmila Vesna Irina Alenka".split(),
        "Dmitri Tomasz Pavel Bogdan Milos Stanislav Andrzej Vladimir Jaroslav Oleksandr Nikola Radek".split(),
        "Kowalski Novak Petrov Ivanova Horvat Dvorak Sokolov Zielinski Marek Kovac Wozniak Popescu Lazarov Volkov Nowicki".split(),
    ),
    "arabic_persian": (
        "Layla Yasmin Fatima Noor Samira Zahra Leila Mariam Soraya Dalia Parisa Rania".split(),
        "Omar Karim Tariq Yusuf Hamza Bilal Reza Darius Khalid Samir Farid Nasser".split(),
        "Haddad Mansour Rahimi Farouk Khoury Tehrani Saleh Nasser Hosseini Aziz Barakat Jaber Karimi Sabbagh Qasim".split(),
    ),
    "pacific_turkic": (
        "Aroha Moana Leilani Mele Ayse Elif Zeynep Sina Kalani Tuiana Merve Ataahua".split(),
        "Tane Manaia Keoni Sione Emre Mehmet Kerem Tamati Wiremu Burak Ikaika Losa".split(),
        "Tuilagi Kahale Ngata Fonoti Yilmaz Demir Aksoy Kaya Ozturk Taufa Mahuika Kealoha Celik Sopoaga Tapsell".split(),
    ),
}


@functools.lru_cache(maxsize=1)
def load_vocab() -> dict:
    """Return ``{"events": [{name, keywords, summary}], "occupations": {category: [jobs]},
    "regions": {region: ["City, Country", ...]}}`` from the packaged ``vocab.yaml``."""
    text = resources.files("pebench_data").joinpath("vocab.yaml").read_text(encoding="utf-8")
    vocab = yaml.safe_load(text)
    assert len(vocab["events"]) == 40 and len(vocab["occupations"]) == 17 and len(vocab["regions"]) == 7
    return vocab


def generate_names(n: int, rng: np.random.Generator, genders: list[str]) -> list[tuple[str, str]]:
    """Return ``n`` unique (first, last) name pairs; ``genders[i]`` ("female"/"male") picks the pool."""
    cultures = sorted(NAME_POOLS)
    used_first: set[str] = set()
    used_last: set[str] = set()
    used_full: set[str] = set()
    out = []
    for i in range(n):
        for _ in range(1000):
            culture = cultures[rng.integers(len(cultures))]
            female, male, last = NAME_POOLS[culture]
            firsts = female if genders[i] == "female" else male
            # prefer parts not used yet, so that names stay easy to tell apart
            free_first = [f for f in firsts if f not in used_first] or firsts
            free_last = [x for x in last if x not in used_last] or last
            first = free_first[rng.integers(len(free_first))]
            surname = free_last[rng.integers(len(free_last))]
            if f"{first} {surname}" not in used_full and first != surname:
                break
        else:  # pragma: no cover - pools hold far more combinations than any scale needs
            raise RuntimeError("name pools exhausted")
        used_first.add(first)
        used_last.add(surname)
        used_full.add(f"{first} {surname}")
        out.append((first, surname))
    return out
