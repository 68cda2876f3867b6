"""The string literals of C source, as the compiler joins them: shared by
the source checks tests/e2e_owners.sh and tests/e2e_vocabulary.sh."""


def literals(src):
    """The string literals of C source src, joined where the compiler joins
    them: a list of (text, starts), starts = [(offset in text, line)]."""
    out, i, n, line = [], 0, len(src), 1
    cur, starts, gap_code = None, None, False
    while i < n:
        c = src[i]
        if c == "\n":
            line += 1
            i += 1
        elif src.startswith("//", i):
            j = src.find("\n", i)
            i = n if j < 0 else j
        elif src.startswith("/*", i):
            j = src.find("*/", i + 2)
            j = n if j < 0 else j + 2
            line += src.count("\n", i, j)
            i = j
        elif c == "'":
            j = i + 1
            while j < n and src[j] != "'":
                j += 2 if src[j] == "\\" else 1
            i = j + 1
            gap_code = True
        elif c == '"':
            j, buf = i + 1, []
            while j < n and src[j] != '"' and src[j] != "\n":
                if src[j] == "\\" and j + 1 < n:
                    buf.append(" " if src[j + 1] in "nt" else src[j + 1])
                    j += 2
                else:
                    buf.append(src[j])
                    j += 1
            text = "".join(buf)
            if cur is not None and not gap_code:
                starts.append((len(cur), line))
                cur += text
            else:
                if cur is not None:
                    out.append((cur, starts))
                cur, starts = text, [(0, line)]
            gap_code = False
            i = j + 1
        else:
            if not c.isspace():
                gap_code = True
            i += 1
    if cur is not None:
        out.append((cur, starts))
    return out
