"""Small programs a test or bench/replicas.py runs as separate processes against one app
node's settings (no Django import here: the benchmark imports this before settings exist).

WATCH WORD present|absent: asks this node's keyword index every 0.1 s and prints the time
when it holds a paper with WORD in its title (or no longer holds one); give the paper a word
no other title has. WRITE TITLE add|delete: writes
or deletes such a paper and prints the time it was committed."""

WATCH = """
import django, sys, time
django.setup()
from search import lexical
from search.query import parse_query
word, want = sys.argv[1], sys.argv[2] == "present"
query = parse_query(f"title:{word}")
print("watching", flush=True)
deadline = time.time() + 120
while time.time() < deadline:
    try:
        held = lexical.search(query, limit=5)[1] > 0  # this node's index, not the database
        if held == want:
            print(f"seen {time.time():.3f}", flush=True)
            break
    except Exception:
        pass
    time.sleep(0.1)
else:
    print("never", flush=True)
"""

WRITE = """
import django, sys, time
django.setup()
from django.db import transaction
from tests.factories import PaperFactory
from catalog.models import Paper
title = sys.argv[1]
with transaction.atomic():  # the paper and its authors become visible together
    if sys.argv[2] == "add":
        PaperFactory(title=title, arxiv_id=f"2699.{time.time_ns() // 1000 % 100000:05d}")
        changed = 1
    else:
        changed = Paper.objects.filter(title=title).delete()[1].get("catalog.Paper", 0)
print(f"written {changed} {time.time():.3f}", flush=True)
"""
