"""Label and field selectors with the Kubernetes API's syntax.

parse_label_selector("spark-role=driver,env in (a,b),!canary") returns a
predicate over a labels dict; parse_field_selector(text, fields) returns a
predicate over an object, where `fields` maps the supported field names to
getter functions.  Both raise SelectorError (answered with 400 BadRequest).
"""

import re


class SelectorError(ValueError):
    """A selector the API server would reject."""


_KEY = re.compile(r'^([A-Za-z0-9][-A-Za-z0-9_.]*/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$')
_VALUE = re.compile(r'^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$')


def _split_top(text):
    """Split on commas that are not inside parentheses."""
    parts, depth, cur = [], 0, []
    for ch in text:
        if ch == '(':
            depth += 1
        elif ch == ')':
            depth -= 1
        if ch == ',' and depth == 0:
            parts.append(''.join(cur))
            cur = []
        else:
            cur.append(ch)
    parts.append(''.join(cur))
    return parts


def _check_key(key, text):
    if not key or len(key) > 316 or not _KEY.match(key):
        raise SelectorError('unable to parse requirement: invalid label key "%s": '
                            'name part must consist of alphanumeric characters, \'-\', '
                            '\'_\' or \'.\'' % key)


def _check_value(value):
    if len(value) > 63 or not _VALUE.match(value):
        raise SelectorError('unable to parse requirement: invalid label value: "%s": '
                            'a valid label must be an empty string or consist of '
                            'alphanumeric characters, \'-\', \'_\' or \'.\'' % value)


_SET = re.compile(r'^\s*(\S+?)\s+(in|notin)\s*\((.*)\)\s*$')
_CMP = re.compile(r'^\s*([^!=<>\s]+)\s*(==|!=|=|<|>)\s*(\S*)\s*$')


def _requirement(part):
    """One requirement -> predicate(labels)."""
    m = _SET.match(part)
    if m:
        key, op, vals = m.group(1), m.group(2), m.group(3)
        _check_key(key, part)
        values = {v.strip() for v in vals.split(',')} if vals.strip() else set()
        for v in values:
            _check_value(v)
        if op == 'in':
            if not values:
                raise SelectorError('unable to parse requirement: for \'in\', '
                                    '\'notin\' operators, values set can\'t be empty')
            return lambda l: l.get(key) in values
        return lambda l: l.get(key) not in values
    m = _CMP.match(part)
    if m:
        key, op, value = m.groups()
        _check_key(key, part)
        if op in ('<', '>'):
            if not re.match(r'^-?\d+$', value):
                raise SelectorError('unable to parse requirement: for \'Gt\', \'Lt\' '
                                    'operators, the value must be an integer')
            n = int(value)
            if op == '<':
                return lambda l: _int(l.get(key)) is not None and _int(l.get(key)) < n
            return lambda l: _int(l.get(key)) is not None and _int(l.get(key)) > n
        _check_value(value)
        if op == '!=':
            return lambda l: l.get(key) != value
        return lambda l: l.get(key) == value
    stripped = part.strip()
    if stripped.startswith('!'):
        key = stripped[1:].strip()
        _check_key(key, part)
        return lambda l: key not in l
    _check_key(stripped, part)
    return lambda l: stripped in l


def _int(v):
    try:
        return int(v)
    except (TypeError, ValueError):
        return None


def parse_label_selector(text):
    """Selector text -> predicate(labels dict).  Empty text matches all."""
    if text is None or not text.strip():
        return None
    preds = []
    for part in _split_top(text):
        if not part.strip():
            raise SelectorError('unable to parse requirement: found \'\', expected: identifier')
        preds.append(_requirement(part))
    return lambda labels: all(p(labels or {}) for p in preds)


def parse_field_selector(text, fields, kind):
    """Field selector text -> predicate(obj).  `fields`: name -> getter."""
    if text is None or not text.strip():
        return None
    preds = []
    for part in text.split(','):
        m = re.match(r'^\s*([^!=\s]+)\s*(==|!=|=)\s*(.*?)\s*$', part)
        if not m:
            raise SelectorError('invalid selector: \'%s\'; can\'t understand \'%s\''
                                % (text, part))
        name, op, value = m.groups()
        getter = fields.get(name)
        if getter is None:
            raise SelectorError('field label not supported: %s' % name)
        preds.append((getter, op == '!=', value))

    def match(obj):
        for getter, negate, value in preds:
            if (str(getter(obj)) == value) == negate:
                return False
        return True
    return match


def _get(path):
    """Getter for a dotted path; missing values read as ''."""
    keys = path.split('.')

    def get(obj):
        for k in keys:
            if not isinstance(obj, dict):
                return ''
            obj = obj.get(k)
            if obj is None:
                return ''
        if isinstance(obj, bool):
            return 'true' if obj else 'false'
        return obj
    return get


def field_getters(names):
    """name -> getter for the given dotted field names."""
    return {n: _get(n) for n in names}


COMMON_FIELDS = ['metadata.name', 'metadata.namespace']
POD_FIELDS = COMMON_FIELDS + ['spec.nodeName', 'spec.restartPolicy', 'spec.schedulerName',
                              'spec.serviceAccountName', 'spec.hostNetwork', 'status.phase',
                              'status.podIP', 'status.nominatedNodeName']
EVENT_FIELDS = COMMON_FIELDS + ['involvedObject.kind', 'involvedObject.namespace',
                                'involvedObject.name', 'involvedObject.uid',
                                'involvedObject.apiVersion', 'involvedObject.resourceVersion',
                                'involvedObject.fieldPath', 'reason', 'reportingComponent',
                                'source', 'type']
NAMESPACE_FIELDS = COMMON_FIELDS + ['status.phase']
NODE_FIELDS = COMMON_FIELDS + ['spec.unschedulable']
