# The Python half of the vLLM launcher preflight, embedded in vllm-launch.sh, which runs it as
#   PYTHON -c PREFLIGHT_HELPER FALLBACK COMMAND ARGS...
# Every configured value arrives as an argv element (or on stdin), never as Python source.
#
# Protocol: each output line is KEY<TAB>VALUE; the first line is status<TAB>ok or a reason.
# Values never contain a tab or a newline. It never raises: any unexpected error becomes the
# FALLBACK status with the error as detail. It never imports vLLM (or torch): find_spec only
# locates the package, and the tool parser names are read from the vLLM sources with ast
# (static, nothing executed).
import os
import sys


def clean(value):
    text = str(value)
    for ch in ("\t", "\r", "\n"):
        text = text.replace(ch, " ")
    return text


def emit(status, *pairs):
    lines = ["status\t" + clean(status)]
    for i in range(0, len(pairs) - 1, 2):
        lines.append(clean(pairs[i]) + "\t" + clean(pairs[i + 1]))
    sys.stdout.write("\n".join(lines) + "\n")


def cmd_spec(name):
    import importlib.util

    try:
        spec = importlib.util.find_spec(name)
    except Exception as error:  # ImportError, ValueError: a broken install
        emit("vllm_not_importable", "detail", type(error).__name__ + ": " + str(error).split("\n")[0])
        return
    if spec is None:
        emit("vllm_not_importable", "detail", "no module named " + name)
        return
    locations = list(spec.submodule_search_locations or [])
    where = locations[0] if locations else os.path.dirname(spec.origin or "")
    emit("ok", "location", where)


def has_model_files(directory):
    if os.path.isfile(os.path.join(directory, "config.json")):
        return True
    if os.path.isfile(os.path.join(directory, "params.json")):
        return True
    return False


def looks_local(model):
    return model.startswith(("/", "./", "../", "~")) or os.path.exists(model)


def hub_cache_dir():
    env = os.environ
    if env.get("HF_HUB_CACHE"):
        return env["HF_HUB_CACHE"]
    if env.get("HUGGINGFACE_HUB_CACHE"):
        return env["HUGGINGFACE_HUB_CACHE"]
    if env.get("HF_HOME"):
        return os.path.join(env["HF_HOME"], "hub")
    base = env.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "huggingface", "hub")


def cmd_model(model, allow_download):
    if looks_local(model):
        if os.path.isfile(model) and model.endswith(".gguf"):
            emit("ok", "kind", "local")
        elif not os.path.exists(model):
            emit("model_missing", "model", model, "kind", "local", "detail", "path does not exist")
        elif not os.path.isdir(model):
            emit("model_missing", "model", model, "kind", "local", "detail", "not a directory")
        elif not has_model_files(model):
            emit("model_missing", "model", model, "kind", "local", "detail", "no config.json")
        else:
            emit("ok", "kind", "local")
        return
    if allow_download == "1":
        emit("ok", "kind", "hub", "cache", "download-allowed")
        return
    cache = hub_cache_dir()
    snapshots = os.path.join(cache, "models--" + model.replace("/", "--"), "snapshots")
    found = False
    if os.path.isdir(snapshots):
        for name in sorted(os.listdir(snapshots)):
            snapshot = os.path.join(snapshots, name)
            if not os.path.isdir(snapshot):
                continue
            if has_model_files(snapshot) or any(f.endswith(".gguf") for f in os.listdir(snapshot)):
                found = True
                break
    if found:
        emit("ok", "kind", "hub", "cache", cache)
    else:
        emit("model_missing", "model", model, "kind", "hub", "cache", cache,
             "detail", "not in the Hugging Face cache and downloads are not allowed")


def string_values(node):
    import ast

    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, (ast.List, ast.Tuple)):
        out = []
        for element in node.elts:
            out.extend(string_values(element))
        return out
    return []


def parser_names(package_dir):
    import ast

    names = set()
    for relative in (("tool_parsers",), ("entrypoints", "openai", "tool_parsers")):
        directory = os.path.join(package_dir, *relative)
        if not os.path.isdir(directory):
            continue
        for file_name in sorted(os.listdir(directory)):
            if not file_name.endswith(".py"):
                continue
            try:
                with open(os.path.join(directory, file_name), "rb") as handle:
                    tree = ast.parse(handle.read())
            except Exception:
                continue
            for node in ast.walk(tree):
                if isinstance(node, ast.Call):
                    func = node.func
                    attr = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
                    if attr in ("register_module", "register_lazy_module"):
                        if node.args:
                            names.update(string_values(node.args[0]))
                        for keyword in node.keywords:
                            if keyword.arg == "name":
                                names.update(string_values(keyword.value))
                elif isinstance(node, (ast.Assign, ast.AnnAssign)):
                    targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                    if any(isinstance(t, ast.Name) and t.id == "_TOOL_PARSERS_TO_REGISTER" for t in targets):
                        if isinstance(node.value, ast.Dict):
                            for key in node.value.keys:
                                if key is not None:
                                    names.update(string_values(key))
    return sorted(names)


def cmd_parsers(package_dir, parser):
    names = parser_names(package_dir)
    if not names:
        emit("unknown", "detail", "cannot list the tool parsers of this vLLM")
    elif parser in names:
        emit("ok", "parser", parser)
    else:
        emit("tool_parser_invalid", "parser", parser, "available", ",".join(names))


def resolve(host, port):
    import socket

    infos = socket.getaddrinfo(host, port, 0, socket.SOCK_STREAM, 0, socket.AI_PASSIVE)
    family, _, _, _, address = infos[0]
    return family, address


def cmd_host(host):
    import errno
    import socket

    try:
        family, address = resolve(host, 0)
    except OSError as error:
        emit("config_invalid", "host", host, "detail", "cannot resolve: " + str(error))
        return
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.bind(address)
    except OSError as error:
        if error.errno == errno.EADDRNOTAVAIL:
            emit("config_invalid", "host", host, "detail", "not an address of this machine")
            return
        emit("config_invalid", "host", host, "detail", str(error))
        return
    finally:
        sock.close()
    emit("ok", "address", address[0])


def tcp_states(port):
    """States (hex, as in /proc/net/tcp) of the sockets whose local port is port."""
    states = []
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            with open(table) as handle:
                rows = handle.read().splitlines()[1:]
        except OSError:
            continue
        for row in rows:
            fields = row.split()
            if len(fields) < 4:
                continue
            try:
                local_port = int(fields[1].rsplit(":", 1)[1], 16)
            except (IndexError, ValueError):
                continue
            if local_port == port:
                states.append(fields[3].upper())
    return states


def try_bind(family, address, reuse):
    import socket

    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        if reuse:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        return None
    except OSError as error:
        return error
    finally:
        sock.close()


def cmd_port(host, port_text):
    import errno

    port = int(port_text)
    try:
        family, address = resolve(host, port)
    except OSError as error:
        emit("config_invalid", "host", host, "detail", "cannot resolve: " + str(error))
        return
    plain = try_bind(family, address, False)
    if plain is None:
        emit("ok", "port", port)
        return
    if plain.errno == errno.EACCES:
        emit("config_invalid", "port", port, "detail", "permission denied (privileged port)")
        return
    if plain.errno == errno.EADDRNOTAVAIL:
        emit("config_invalid", "host", host, "detail", "not an address of this machine")
        return
    if plain.errno != errno.EADDRINUSE:
        emit("port_bound_not_listening", "port", port, "detail", str(plain))
        return
    states = tcp_states(port)
    listening = "0A" in states
    reused = try_bind(family, address, True)
    if reused is None:
        # SO_REUSEADDR bind works: free unless a socket that also set SO_REUSEADDR holds the
        # port without listening (no TIME-WAIT connection explains the failed plain bind).
        if listening:
            emit("port_in_use", "port", port)
        elif "06" in states:
            emit("ok", "port", port, "note", "time-wait")
        else:
            emit("port_bound_not_listening", "port", port, "detail", "bound with SO_REUSEADDR, not listening")
        return
    if listening:
        emit("port_in_use", "port", port)
    else:
        emit("port_bound_not_listening", "port", port, "detail", "bound, not listening")


def visible_gpus(rows):
    spec = os.environ.get("CUDA_VISIBLE_DEVICES")
    if spec is None:
        return rows, "unset"
    chosen = []
    for entry in spec.split(","):
        entry = entry.strip()
        match = None
        if entry.lstrip("-").isdigit():
            index = int(entry)
            match = next((row for row in rows if row["index"] == index), None)
        elif entry.startswith("GPU-"):
            candidates = [row for row in rows if row["uuid"].startswith(entry)]
            match = candidates[0] if len(candidates) == 1 else None
        if match is None:
            break  # as CUDA does: an invalid entry hides it and every entry after it
        if match not in chosen:
            chosen.append(match)
    return chosen, spec


def cmd_gpu(tp_text, util_text, margin_text):
    import math
    from decimal import Decimal

    tp = int(tp_text)
    util = Decimal(util_text)
    margin = int(margin_text)
    rows = []
    for line in sys.stdin.read().splitlines():
        if not line.strip():
            continue
        fields = [field.strip() for field in line.split(",")]
        try:
            rows.append({"index": int(fields[0]), "uuid": fields[1],
                         "total": int(fields[2]), "free": int(fields[3])})
        except (IndexError, ValueError):
            emit("nvidia_smi_failed", "rc", 0, "first_line", "unexpected output: " + line)
            return
    visible, spec = visible_gpus(rows)
    if len(visible) < tp:
        emit("gpu_not_visible", "visible", len(visible), "tensor_parallel_size", tp,
             "detected", len(rows), "cuda_visible_devices", spec)
        return
    used = visible[:tp]
    for gpu in used:
        need = math.ceil(Decimal(gpu["total"]) * util) + margin
        if gpu["free"] < need:
            emit("gpu_memory_insufficient", "gpu", gpu["index"], "uuid", gpu["uuid"],
                 "free_mib", gpu["free"], "need_mib", need, "total_mib", gpu["total"],
                 "util", util_text, "margin_mib", margin)
            return
    emit("ok", "gpus", ",".join(str(gpu["index"]) for gpu in used),
         "free_mib", ",".join(str(gpu["free"]) for gpu in used),
         "need_mib", ",".join(str(math.ceil(Decimal(gpu["total"]) * util) + margin) for gpu in used))


COMMANDS = {"spec": cmd_spec, "model": cmd_model, "parsers": cmd_parsers,
            "host": cmd_host, "port": cmd_port, "gpu": cmd_gpu}


def main(argv):
    fallback, command, args = argv[0], argv[1], argv[2:]
    try:
        COMMANDS[command](*args)
    except Exception as error:
        emit(fallback, "detail", type(error).__name__ + ": " + str(error))


main(sys.argv[1:])
