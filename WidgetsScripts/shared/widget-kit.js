  // Shared helpers of the Mimecast widgets. Every value from the JSON result reaches the page through
  // textContent or a text node, never as markup; nothing is loaded from the network.

  function own(object, key) {
    if (object === null || typeof object !== "object" || !Object.prototype.hasOwnProperty.call(object, key)) {
      return undefined;
    }
    return object[key];
  }

  function path(object, keys) {
    var value = object;
    for (var index = 0; index < keys.length; index += 1) {
      value = own(value, keys[index]);
    }
    return value;
  }

  function isBlank(value) {
    return value === undefined || value === null || value === "";
  }

  function isRecord(value) {
    return value !== null && typeof value === "object" && !Array.isArray(value);
  }

  function asText(value) {
    if (isBlank(value)) {
      return "";
    }
    if (typeof value === "string") {
      return value;
    }
    if (typeof value === "number" || typeof value === "boolean") {
      return String(value);
    }
    return JSON.stringify(value);
  }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) {
      node.className = className;
    }
    if (text !== undefined) {
      node.textContent = text;
    }
    return node;
  }

  function append(parent, children) {
    children.forEach(function (child) {
      parent.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
    });
    return parent;
  }

  function dash() {
    return el("span", "muted", "\u2014");
  }

  // The value as text, or a muted dash when it is missing.
  function valueNode(value) {
    var text = asText(value);
    return text === "" ? dash() : document.createTextNode(text);
  }

  // Text that may wrap after each "@", so that a narrow column breaks an address between its parts.
  function breakable(text) {
    var box = document.createDocumentFragment();
    text.split("@").forEach(function (part, index, parts) {
      box.appendChild(document.createTextNode(index < parts.length - 1 ? part + "@" : part));
      if (index < parts.length - 1) {
        box.appendChild(document.createElement("wbr"));
      }
    });
    return box;
  }

  // One line per value (addresses, names); a muted dash when there is none.
  function lines(values) {
    var shown = values.filter(function (value) {
      return asText(value) !== "";
    });
    if (shown.length === 0) {
      return dash();
    }
    var box = el("span");
    shown.forEach(function (value) {
      box.appendChild(el("span", "line")).appendChild(breakable(asText(value)));
    });
    return box;
  }

  // An address entry ({displayableName, emailAddress} or a plain string) as "Name <address>".
  function addressText(entry) {
    if (!isRecord(entry)) {
      return asText(entry);
    }
    var name = asText(own(entry, "displayableName"));
    var address = asText(own(entry, "emailAddress"));
    return name && name !== address ? name + " <" + address + ">" : address || name;
  }

  // Mimecast writes times as 2025-03-07T15:41:00+0000; show 2025-03-07 15:41 UTC, anything else as it is.
  function formatTime(value) {
    var text = asText(value);
    var match = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2})(?::\d{2}(?:\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$/.exec(text);
    if (!match) {
      return text;
    }
    var zone = match[3];
    if (zone === undefined) {
      return match[1] + " " + match[2];
    }
    return match[1] + " " + match[2] + (zone === "Z" || /^[+-]00:?00$/.test(zone) ? " UTC" : " " + zone);
  }

  function chip(text, tone) {
    return el("span", tone ? "chip " + tone : "chip", text);
  }

  function notice(text) {
    return el("p", "notice", text);
  }

  function yesNo(value) {
    if (value === true) {
      return "Yes";
    }
    if (value === false) {
      return "No";
    }
    return asText(value);
  }

  // The display name for a known code, or the value itself.
  function label(names, value) {
    var known = own(names, asText(value));
    return known === undefined ? asText(value) : known;
  }

  function header(title, chips) {
    var box = el("div", "widget-header");
    box.appendChild(el("h1", "widget-title", title));
    chips.forEach(function (item) {
      if (item) {
        box.appendChild(item);
      }
    });
    return box;
  }

  // rows: [label, value or node]; a plain value is shown as text, a null row is left out.
  function fieldList(rows) {
    var list = el("dl", "fields");
    rows.forEach(function (row) {
      if (row === null) {
        return;
      }
      var value = row[1];
      list.appendChild(el("dt", "", row[0]));
      append(list.appendChild(el("dd")), [value instanceof Node ? value : valueNode(value)]);
    });
    return list;
  }

  function selectContents(node) {
    var range = document.createRange();
    range.selectNodeContents(node);
    var selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
  }

  function copyText(code, button) {
    function finish(copied) {
      button.textContent = copied ? "Copied" : "Press Ctrl+C";
      if (!copied) {
        selectContents(code);
      }
      window.setTimeout(function () {
        button.textContent = "Copy";
      }, 2500);
    }
    function withSelection() {
      selectContents(code);
      var copied = false;
      try {
        copied = document.execCommand("copy");
      } catch (error) {
        copied = false;
      }
      finish(copied);
    }
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(code.textContent).then(function () {
        finish(true);
      }, withSelection);
    } else {
      withSelection();
    }
  }

  // An id in a selectable monospace cell with a Copy button (clipboard, or a selection to copy by hand).
  function copyable(value, what) {
    var text = asText(value);
    if (text === "") {
      return dash();
    }
    var box = el("div", "copyable");
    var code = box.appendChild(el("code", "mono", text));
    var button = box.appendChild(el("button", "copy", "Copy"));
    button.type = "button";
    button.setAttribute("aria-label", "Copy " + what);
    button.addEventListener("click", function () {
      copyText(code, button);
    });
    return box;
  }

  function brightness(color) {
    var text = asText(color).trim().toLowerCase();
    var match = /^#([0-9a-f])([0-9a-f])([0-9a-f])$/.exec(text);
    var channels;
    if (match) {
      channels = [match[1] + match[1], match[2] + match[2], match[3] + match[3]].map(function (hex) {
        return parseInt(hex, 16);
      });
    } else if ((match = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/.exec(text))) {
      channels = [match[1], match[2], match[3]].map(function (hex) {
        return parseInt(hex, 16);
      });
    } else if ((match = /^rgba?\(\s*(\d+)\s*,\s*(\d+)\s*,\s*(\d+)/.exec(text))) {
      channels = [match[1], match[2], match[3]].map(Number);
    } else {
      return null;
    }
    return (channels[0] * 299 + channels[1] * 587 + channels[2] * 114) / 1000;
  }

  function setTheme(name) {
    document.documentElement.setAttribute("data-theme", name);
  }

  // The SOAR page posts its styles to the widget frame; follow its background, else the system setting.
  function followTheme() {
    var dark = window.matchMedia && window.matchMedia("(prefers-color-scheme: dark)").matches;
    setTheme(dark ? "dark" : "light");
    window.addEventListener("message", function (event) {
      if (window.parent === window || event.source !== window.parent || !isRecord(event.data)) {
        return;
      }
      var level = brightness(own(event.data, "background") || own(event.data, "backgroundColor"));
      if (level !== null) {
        setTheme(level > 128 ? "light" : "dark");
      }
    });
  }

  // Where the first JSON value in text ends, so that anything the platform appends after it is ignored.
  function jsonValueEnd(text) {
    var depth = 0;
    var inString = false;
    for (var index = 0; index < text.length; index += 1) {
      var character = text.charAt(index);
      if (inString) {
        if (character === "\\") {
          index += 1;
        } else if (character === '"') {
          inString = false;
        }
      } else if (character === '"') {
        inString = true;
      } else if (character === "{" || character === "[") {
        depth += 1;
      } else if (character === "}" || character === "]") {
        depth -= 1;
        if (depth === 0) {
          return index + 1;
        }
      } else if (character === "<" && depth === 0) {
        return index;
      }
    }
    return text.length;
  }

  // The platform writes the step's JSON result into the <plaintext> element at the end of the page:
  // nothing in it can end that element, so it stays text whatever the result holds.
  function readJsonResult() {
    var source = document.getElementById("json-result");
    if (!source) {
      return { ok: false };
    }
    var text = source.textContent;
    source.parentNode.removeChild(source);
    try {
      return { ok: true, value: JSON.parse(text.slice(0, jsonValueEnd(text))) };
    } catch (error) {
      return { ok: false };
    }
  }

  function startWidget(render) {
    followTheme();
    document.addEventListener("DOMContentLoaded", function () {
      var root = document.getElementById("widget");
      var result = readJsonResult();
      var state = "result";
      var content;
      try {
        content = result.ok ? render(result.value) : notice("No result to show: the step has not run, or it returned no JSON result.");
      } catch (error) {
        content = notice("This result could not be shown.");
        state = "error";
      }
      root.appendChild(content);
      document.body.setAttribute("data-rendered", result.ok ? state : "no-result");
    });
  }
