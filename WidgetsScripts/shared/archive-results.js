  // The JSON result of Simple / Advanced Archive Search: the list of archive items Mimecast returned.

  function senderCell(item) {
    var name = asText(own(item, "displayfrom"));
    var address = asText(own(item, "displayfromaddress"));
    return lines(name === address ? [address] : [name, address]);
  }

  function recipientsCell(item) {
    var list = own(item, "displaytoaddresslist");
    if (Array.isArray(list) && list.length > 0) {
      return lines(list.map(addressText));
    }
    return valueNode(own(item, "displayto"));
  }

  function statusCell(item) {
    var status = asText(own(item, "status"));
    return status === "" ? dash() : chip(status);
  }

  var ARCHIVE_COLUMNS = [
    ["Received", "col-received", function (item) {
      return valueNode(formatTime(own(item, "receiveddate")));
    }],
    ["From", "col-from", senderCell],
    ["To", "col-to", recipientsCell],
    ["Subject", "col-subject", function (item) {
      return valueNode(own(item, "subject"));
    }],
    ["Status", "col-status", statusCell],
    ["Attachments", "col-attachments", function (item) {
      return valueNode(own(item, "attachmentcount"));
    }],
    ["Archive ID", "col-id", function (item) {
      return copyable(own(item, "id"), "archive ID");
    }]
  ];

  function archiveTable(items) {
    var table = el("table", "results");
    var columns = table.appendChild(el("colgroup"));
    var headRow = table.appendChild(el("thead")).appendChild(el("tr"));
    ARCHIVE_COLUMNS.forEach(function (column) {
      columns.appendChild(el("col", column[1]));
      headRow.appendChild(el("th", column[1], column[0])).scope = "col";
    });
    var body = table.appendChild(el("tbody"));
    items.forEach(function (item) {
      var row = body.appendChild(el("tr"));
      ARCHIVE_COLUMNS.forEach(function (column) {
        var cell = row.appendChild(el("td"));
        cell.setAttribute("data-label", column[0]);
        cell.appendChild(el("div")).appendChild(column[2](item));
      });
    });
    return table;
  }

  function renderArchiveResults(result) {
    if (!Array.isArray(result)) {
      return notice("The JSON result is not a list of archive emails.");
    }
    var page = document.createDocumentFragment();
    var count = result.length === 1 ? "1 email" : result.length + " emails";
    page.appendChild(header("Archive emails", [chip(count, result.length ? "ok" : "")]));
    page.appendChild(result.length ? archiveTable(result) : notice("No archive emails matched the search."));
    return page;
  }
