from catalog.links import code_repository, extract_links, find_urls
from catalog.records import author_key, clean_abstract
from catalog.taxonomy import category_name, split_categories


def test_finds_the_code_repository_and_project_page_in_an_abstract():
    abstract = (
        "Code: https://github.com/alibaba/conv-llava. Demo at "
        "https://conv-llava.github.io/ (see also https://huggingface.co/spaces/a/b)."
    )
    assert extract_links(abstract) == (
        "https://github.com/alibaba/conv-llava",
        "https://conv-llava.github.io/",
    )


def test_github_beats_gitlab_and_hugging_face_for_code():
    text = "models https://huggingface.co/org/model and gitlab.com/g/r and github.com/o/r.git"
    assert extract_links(text)[0] == "https://github.com/o/r"


def test_bare_and_latex_wrapped_urls_are_found():
    assert find_urls(r"see \url{https://github.com/a/b}") == ["https://github.com/a/b"]
    assert find_urls("at github.com/a/b, thanks") == ["https://github.com/a/b"]


def test_non_repository_pages_are_not_code():
    assert code_repository("https://github.com/features/copilot") is None
    assert code_repository("https://github.com/onlyowner") is None
    assert code_repository("https://huggingface.co/papers/2401.01234") is None
    assert code_repository("https://evil.example/github.com/a/b") is None


def test_text_without_urls_has_no_links():
    assert extract_links("We prove $a<b$.", None) == ("", "")


def test_msc_and_acm_classes_are_not_categories():
    assert split_categories("cs.LG 68T07, I.2.7 cs.AI cs.LG (Primary)") == ["cs.LG", "cs.AI"]
    assert split_categories("hep-th") == ["hep-th"]
    assert split_categories(None) == []


def test_categories_have_readable_names():
    assert category_name("cs.CL") == "Computation and Language"
    assert category_name("physics.atom-ph") == "Physics"


def test_author_keys_fold_case_accents_and_punctuation():
    assert author_key("C. Balázs") == author_key("c balazs") == "c balazs"
    assert author_key("Jean-Luc  Picard") == "jean luc picard"


def test_abstract_unwraps_lines_but_keeps_paragraphs_and_latex():
    raw = "  A $\\alpha$\nline wrapped.\n  Second paragraph\nhere.\n"
    assert clean_abstract(raw) == "A $\\alpha$ line wrapped.\n\nSecond paragraph here."
