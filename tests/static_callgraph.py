#!/usr/bin/python3
"""The call graph between the services' object files has no cycle of any length.

Usage: static_callgraph.py BUILD. Reads every object of api/, lib/, db/ and
workers/ under BUILD with nm: object A depends on object B when A uses a symbol
B defines. A cycle (A → B → … → A) means two modules each need the other: one
of them holds something that belongs elsewhere. Prints every cycle found (the
strongly connected components of the graph, with one path through each) and
exits 1 if there is any."""
import glob
import os
import subprocess
import sys

build = sys.argv[1] if len(sys.argv) > 1 else "build"
root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# Only objects whose source still exists: a build folder keeps the objects of
# files that were renamed or removed.
objs = sorted(p for d in ("api", "lib", "db", "workers")
              for p in glob.glob(os.path.join(build, d, "*.o"))
              if os.path.exists(os.path.join(root, d, os.path.basename(p)[:-2] + ".c")))
if not objs:
    print(f"static_callgraph: no objects under {build}: build first")
    sys.exit(1)
defined, used = {}, {}
for o in objs:
    name = os.path.relpath(o, build)[:-2]
    used[name] = set()
    out = subprocess.run(["nm", o], capture_output=True, text=True, check=True).stdout
    for line in out.splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[0] == "U":
            used[name].add(parts[1])
        elif len(parts) == 3 and parts[1] in "TDBRCG":
            defined[parts[2]] = name
edges = {a: sorted({defined[s] for s in syms if s in defined and defined[s] != a})
         for a, syms in used.items()}

# Tarjan's strongly connected components, iteratively.
index, low, on, stack, comps, counter = {}, {}, set(), [], [], [0]
for root in edges:
    if root in index:
        continue
    work = [(root, 0)]
    while work:
        v, i = work.pop()
        if i == 0:
            index[v] = low[v] = counter[0]
            counter[0] += 1
            stack.append(v)
            on.add(v)
        if i < len(edges[v]):
            work.append((v, i + 1))
            w = edges[v][i]
            if w not in index:
                work.append((w, 0))
            elif w in on:
                low[v] = min(low[v], index[w])
            continue
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                comps.append(sorted(comp))
        for u, _ in work[-1:]:
            low[u] = min(low[u], low[v])


def cycle_in(comp):
    """One cycle through the component's first member, by breadth-first search."""
    members, start = set(comp), comp[0]
    prev, frontier = {start: None}, [start]
    while frontier:
        nxt = []
        for v in frontier:
            for w in edges[v]:
                if w == start:
                    path = [v]
                    while prev[path[-1]] is not None:
                        path.append(prev[path[-1]])
                    return list(reversed(path)) + [start]
                if w in members and w not in prev:
                    prev[w] = v
                    nxt.append(w)
        frontier = nxt
    return comp


for comp in comps:
    print("cycle: " + " → ".join(cycle_in(comp)) + f"   ({len(comp)} objects: {', '.join(comp)})")
print(f"static_callgraph: {len(objs)} objects, {sum(len(e) for e in edges.values())} dependencies, "
      f"{len(comps)} cycle(s)")
sys.exit(1 if comps else 0)
