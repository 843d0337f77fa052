"""Print the user namespace tree with what each user namespace owns.

    python examples/user_tree.py
"""

from __future__ import annotations

import argparse

import lxkns


def show(user: lxkns.UserNamespace, depth: int = 0) -> None:
    indent = "  " * depth
    who = user.ealdorman.name if user.ealdorman else ("hidden" if user.hidden else "-")
    print(f"{indent}{user.type_id}  created by UID {user.owner_uid} ({user.owner_name})  [{who}]")
    for ns in user.owned_namespaces():
        print(f"{indent}  owns {ns.type_id}  {ns.ref_text or 'no ref'}")
    for child in user.children:
        show(child, depth + 1)


def main() -> None:
    d = lxkns.discover()
    for root in d.user_roots:
        show(root)


if __name__ == "__main__":
    argparse.ArgumentParser(description=__doc__.split("\n\n")[0]).parse_args()  # --help; no stray arguments
    main()
