"""Show the mounts that something was mounted over, in every mount namespace, and what covers them.

    python examples/overmounts.py
"""

from __future__ import annotations

import argparse

import lxkns


def main() -> None:
    d = lxkns.discover(types=lxkns.MNT, with_mounts=True)
    for nsid, paths in d.mounts.items():
        mntns = d.namespace(nsid, lxkns.MNT)
        assert isinstance(mntns, lxkns.MountNamespace)
        hidden = [m for m in mntns.mount_points if m.hidden]
        if not hidden:
            continue
        print(f"{mntns.type_id} ({mntns.ref_text}): {len(hidden)} of "
              f"{len(mntns.mount_points)} mounts hidden")
        for m in hidden:
            on_top = paths[m.mount_point].visible
            if on_top is not None:
                why = f"under {on_top.fstype} {on_top.source!r} (mount {on_top.mount_id})"
            else:
                above = m.path.parent if m.path is not None else None
                while above is not None and above.hidden:
                    above = above.parent
                cover = above.visible if above is not None else None
                why = f"below {cover.mount_point!r}" if cover is not None else "unreachable"
            print(f"  {m.mount_id:>6} {m.mount_point!r:50} {m.fstype:10} {why}")


if __name__ == "__main__":
    argparse.ArgumentParser(description=__doc__.split("\n\n")[0]).parse_args()  # --help; no stray arguments
    main()
