#!/usr/bin/env python3
"""Adds [Trait("Category", ...)] to every test class that has none: Unit, Integration, Fault, Browser (issue #20 item 7)."""
import os, re, sys
root = sys.argv[1]
CLASS = re.compile(r'^(public|internal)\s+(sealed\s+|abstract\s+|static\s+|partial\s+)*class\s+(\w+)', re.M)
def category(path, text):
    rel = os.path.relpath(path, root)
    if rel.startswith('tests/TongBan.Web.Tests'):
        return 'Browser'
    if rel.startswith('tests/TongBan.Api.Tests/Cluster/') or re.search(r'class \w*(Restart|Kill|Outage|Fault)\w*Tests', text):
        return 'Fault'
    if rel.startswith('tests/TongBan.Api.Tests'):
        if re.search(r'Fixture|Cluster|Host|HttpClient|Kestrel|Postgres|\[Collection|WebApplication|Playwright', text):
            return 'Integration'
        return 'Unit'
    if rel.startswith('tests/TongBan.Grains.Tests'):
        if re.search(r'Fixture\b|ClusterFixture|TestCluster|\[Collection|InProcessSiloHandle|SiloBuilder|Npgsql|PostgresServer', text):
            return 'Integration'
        return 'Unit'
    return None
changed = 0
for dirpath, dirs, files in os.walk(os.path.join(root, 'tests')):
    dirs[:] = [d for d in dirs if d not in ('bin', 'obj', 'node_modules')]
    for f in files:
        if not f.endswith('.cs'):
            continue
        p = os.path.join(dirpath, f)
        text = open(p, encoding='utf-8-sig').read()
        if '[Fact' not in text and '[Theory' not in text:
            continue
        cat = category(p, text)
        if cat is None:
            continue
        lines = text.split('\n')
        out = []
        for i, line in enumerate(lines):
            m = CLASS.match(line)
            if m and 'abstract' not in line and 'static' not in line:
                # only classes that hold tests: look ahead to the next top-level class
                rest = '\n'.join(lines[i+1:])
                nxt = CLASS.search(rest)
                body = rest[:nxt.start()] if nxt else rest
                if '[Fact' in body or '[Theory' in body or m.group(3).endswith('Tests'):
                    # attributes and doc comments directly above; skip if a Trait is already there
                    j = len(out) - 1
                    has = False
                    while j >= 0 and (out[j].startswith('[') or out[j].startswith('///')):
                        if out[j].startswith('[Trait('):
                            has = True
                        j -= 1
                    if not has:
                        out.append(f'[Trait("Category", "{cat}")]')
                        changed += 1
            out.append(line)
        new = '\n'.join(out)
        if new != text:
            bom = open(p, 'rb').read(3) == b'\xef\xbb\xbf'
            with open(p, 'w', encoding='utf-8-sig' if bom else 'utf-8') as fh:
                fh.write(new)
print(f'{changed} classes given a Category trait')
