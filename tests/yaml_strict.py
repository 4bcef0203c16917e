"""YAML loading for the static checks: PyYAML's safe loader, refusing a mapping key
written twice (PyYAML keeps the last one silently; kubectl and Compose v2 refuse such files)."""
import yaml


class StrictLoader(yaml.SafeLoader):
    """SafeLoader that refuses a mapping key written twice."""


def _mapping_without_duplicates(loader, node, deep=False):
    seen = set()
    for key_node, _ in node.value:  # the keys written here; `<<` merges may override
        if key_node.tag == "tag:yaml.org,2002:merge":
            continue
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            raise yaml.constructor.ConstructorError(
                "while constructing a mapping", node.start_mark, f"duplicate key {key!r}", key_node.start_mark)
        seen.add(key)
    return yaml.SafeLoader.construct_mapping(loader, node, deep)


StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping_without_duplicates)
