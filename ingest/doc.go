// Package ingest reads the figures provincial departments publish into
// chiso's observations, and writes observations back out.
//
// # Figures as printed
//
// Reports print numbers in Vietnamese, where "." groups thousands and "," is
// the decimal mark (2.500 is 2500, 1.307,44 is 1307.44, 183.001 is 183001,
// never 183.001), or in English (1,307.44); a read declares its Locale. A
// number whose separators could be read either way (Vietnamese 1.5 or 1.30,
// 0.125, or both marks in the wrong order) is an error, never a guess.
// Around the number, ParseFigure and ExtractFigure read a qualifier (trên,
// hơn: over; gần: nearly; khoảng: about; ước, ước đạt, ước tính: estimate;
// sơ bộ: preliminary; and the English over, more than, nearly, almost,
// about, around, estimated, preliminary), scale words (nghìn/ngàn 10^3,
// triệu 10^6, tỷ/tỉ 10^9, nghìn tỷ 10^12, triệu tỷ 10^15; thousand, million,
// billion, trillion), a percent sign and a currency (đồng, VND, đ; USD, đô
// la, $). Figure.In converts to the indicator's canonical unit: a share
// takes %, money takes its unit's currency (billion_vnd, billion_usd, …;
// without a currency a bare number is already in the unit and a scaled one
// is an amount in the unit's currency), counts take scale words but no % and
// no currency. Conversions shift decimal exponents, so 1,86 triệu tỷ đồng is
// exactly 1860000 billion VND.
//
// # Canonical and printed files
//
// Observation files come in two kinds, told apart by the header:
//
//   - A long-layout file whose header has a qualifier column (or a JSON
//     object with a qualifier key) is canonical, as chiso writes it and as
//     the sample observations.csv is. Its value must be a plain number with
//     a dot as the decimal mark and no grouping (1307.44, 183001, 0.125,
//     -2; a JSON number, or a spreadsheet's number cell, is taken as the
//     number it is), and its qualifier comes from the qualifier column. Anything else in
//     the value field, such as 1.307,44, is an error explaining that
//     canonical files hold plain numbers; so is a fraction with trailing
//     zeros such as 2.500, which chiso never writes and which is 2500 when
//     printed in Vietnamese. When the file also has a raw column and the raw
//     text reads, for that indicator and in the read's locale, as a figure
//     different from the value, the row is an error naming both: value 2.5
//     beside raw "2.500 trạm" is a misread 2500. A row with qualifier
//     derived reads its raw text as a later value and a growth rate ("2.500
//     trạm, tăng 29,46% so với năm 2016" is 1931). Raw text that holds no
//     readable figure is provenance only.
//   - Any other file holds figures as printed: each value field (or wide
//     cell) is read in the locale, qualifier, scale and unit included, and
//     converted to the indicator's unit; phrases such as "đạt trên 81,7%"
//     are read as ExtractFigure reads them. The field's text is kept as the
//     observation's raw text unless the file has a raw column. A JSON
//     number is taken as it is.
//
// # Spreadsheet cells
//
// An XLSX cell is read as what it is, not through the text it shows. A
// number cell is its number whatever its format (1.25 is 1.25, never an
// ambiguous Vietnamese number), and in a printed file its raw text is the
// cell as a spreadsheet shows it, with the read's locale's marks (1.250
// for 1250 in a #,##0 format). A number in a percent format (built-in
// formats 9 and 10, or a custom one with %) is a share: into a percent
// indicator it is its percentage, exactly (0.93 shown as 93% is 93, 0.075
// is 7.5), in canonical and printed files alike, since the spreadsheet
// shows the share in the indicator's unit; into any other indicator it is
// an error. A date or time (a number in a date format, built-in 14–22 and
// 45–47 or a custom one with d, m, y, h or s, or a date cell), TRUE or
// FALSE, and a formula's error such as #DIV/0! are errors in a value
// field, naming the sheet and cell. A text cell is read as the same text in
// a CSV file would be. A period cell that the spreadsheet made a number or
// a date of (it does so with 2024-08) is an error that says so; a date
// cell in reported_on is that date.
//
// CSVWriter writes canonical files with an exact header (indicator, area,
// period, value, qualifier, raw, source, reported_on, method, and revision,
// ingested_at with every revision). A file with exactly that header is
// chiso's own export: its fields are read untrimmed (an empty source stays
// empty) and without the raw cross-check, because the store may hold a value beside raw text printed
// in another locale (183.001 imported in English beside "183.001 tỷ
// đồng"), so that everything the store holds reads back unchanged.
//
// # Layouts and formats
//
// The long layout has a row per observation: indicator, area, period and
// value, and optionally qualifier, raw, source, reported_on (YYYY-MM-DD),
// method, revision and ingested_at, in any order. The wide layout, how
// department spreadsheets look, has a row per indicator and area and a
// column per period (indicator,area,2022,2023,2023-H1,…); empty cells are
// skipped, and name, name_vi, name_en, unit and note columns are ignored.
// CSV (comma, semicolon or tab), JSON (an array of objects with the long
// layout's keys) and XLSX (every sheet, or one) are read as streams: memory
// does not grow with the file. Read copies an XLSX body to a temporary
// file first, since the format needs random access. A workbook is a zip
// archive that can unpack to a thousand times its size, so one that
// unpacks to more than Options.MaxUnpacked (1 GiB), holds more than
// Options.MaxTexts distinct texts (2,000,000) or more than Options.MaxCells
// cells (20,000,000), or has a row wider than a spreadsheet's 16,384
// columns, is refused with an error that says to split it.
//
// Every problem of a file is reported at once, as an *ErrorList whose
// lines name the file, the line and field number (CSV), the line (JSON) or
// the sheet and cell (XLSX), the column and the offending text: an unknown
// indicator or area, an invalid period, a period outside the area's
// existence, a bad qualifier or date, a unit that does not fit the
// indicator, an ambiguous number. A value outside the indicator's range is
// not an import error: the range check reports it.
//
// # Headers and names as departments write them
//
// Headers are matched without regard to case, diacritics, spacing or
// punctuation, and may be written in Vietnamese (one table, headerAliases,
// lists them): Chỉ tiêu, Tên chỉ tiêu or Mã chỉ tiêu for indicator; Tỉnh,
// Tỉnh/Thành phố, Địa phương or Địa bàn for area; Kỳ, Kỳ báo cáo or Năm for
// period; Giá trị or Số liệu for value; Nguồn for source; Phương pháp for
// method; Đơn vị, Đơn vị tính or ĐVT for unit; Ghi chú for note; STT for
// the row number. When a table has both a code column (Mã chỉ tiêu) and a
// name column (Chỉ tiêu, Tên chỉ tiêu), the name column is ignored. A
// period, as a wide header or a long cell, may also be written Năm 2022,
// 6 tháng đầu năm 2024 (2024-H1), 6 tháng cuối năm 2024 (2024-H2), Quý
// III/2024, Quý 3/2024 or Quý 3 năm 2024 (2024-Q3), Tháng 8/2024, Tháng
// 08/2024 or Tháng 8 năm 2024 (2024-08).
//
// An indicator or area cell holds a code, or anything Names matches: a
// name or an alias from the catalogue, folded (Số trạm BTS, so tram bts,
// Tỉnh Điện Biên, dien bien). A name several areas share over time (Phú
// Thọ is PT until 2025-06-30 and PT25 after) is the area that exists at
// the end of the row's period, in a wide row for each period column. An
// unknown text suggests up to three close codes or names; a name that
// fits several entries lists them and asks for the code.
package ingest
