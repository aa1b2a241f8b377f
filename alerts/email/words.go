package email

import "strings"

// wordsVI are the Vietnamese words for reasons, states, severities,
// diagnoses, acknowledgement kinds and digest sections.
var wordsVI = map[string]string{
	"firing":             "Đang cảnh báo",
	"resolved":           "Đã được xử lý",
	"repeat":             "Nhắc lại: vẫn đang cảnh báo",
	"digest":             "Báo cáo tổng hợp",
	"test":               "Thư thử nghiệm",
	"pending":            "Đang theo dõi",
	"critical":           "Nghiêm trọng",
	"warning":            "Cảnh báo",
	"info":               "Thông tin",
	"out_of_range":       "Ngoài khoảng hợp lệ",
	"below_target":       "Chưa đạt mục tiêu",
	"off_track":          "Chậm so với lộ trình",
	"implausible_change": "Biến động bất thường",
	"unit_slip":          "Nghi nhầm đơn vị",
	"definition_change":  "Thay đổi định nghĩa",
	"inconsistent":       "Số liệu không nhất quán",
	"decrease":           "Giảm so với kỳ trước",
	"missing":            "Thiếu số liệu",
	"outlier":            "Giá trị bất thường so với các địa phương",
	"correct":            "Đã xem xét, số liệu đúng",
	"will_be_corrected":  "Số liệu sẽ được điều chỉnh",
	"fired":              "Đã phát sinh",
	"still_firing":       "Vẫn đang cảnh báo",
	"section_resolved":   "Đã được xử lý",
	"acknowledged":       "Đã được xác nhận",
}

// wordsEN are the English words for the same keys.
var wordsEN = map[string]string{
	"firing":             "Firing",
	"resolved":           "Resolved",
	"repeat":             "Reminder: still firing",
	"digest":             "Digest",
	"test":               "Test message",
	"pending":            "Pending",
	"critical":           "Critical",
	"warning":            "Warning",
	"info":               "Information",
	"out_of_range":       "Out of range",
	"below_target":       "Below target",
	"off_track":          "Off track",
	"implausible_change": "Implausible change",
	"unit_slip":          "Suspected unit slip",
	"definition_change":  "Definition change",
	"inconsistent":       "Inconsistent figures",
	"decrease":           "Decrease",
	"missing":            "Missing data",
	"outlier":            "Outlier among areas",
	"correct":            "Reviewed, correct",
	"will_be_corrected":  "Will be corrected",
	"fired":              "Fired",
	"still_firing":       "Still firing",
	"section_resolved":   "Resolved",
	"acknowledged":       "Acknowledged",
}

// unitsVI are the Vietnamese words for the catalogue's units.
var unitsVI = map[string]string{
	"billion_vnd": "tỷ đồng",
	"billion_usd": "tỷ USD",
	"station":     "trạm",
	"site":        "vị trí trạm",
	"subscriber":  "thuê bao",
	"account":     "tài khoản",
	"card":        "thẻ",
	"commune":     "xã",
	"copy":        "bản",
	"person":      "người",
	"point":       "điểm",
	"team":        "tổ",
	"title":       "ấn phẩm",
	"unit":        "đơn vị",
	"rank":        "",
}

// unitsEN are the English words for the units that need more than the
// code with spaces.
var unitsEN = map[string]string{
	"billion_vnd": "billion VND",
	"billion_usd": "billion USD",
	"station":     "stations",
	"site":        "sites",
	"subscriber":  "subscribers",
	"account":     "accounts",
	"card":        "cards",
	"commune":     "communes",
	"copy":        "copies",
	"person":      "people",
	"point":       "points",
	"team":        "teams",
	"title":       "titles",
	"unit":        "units",
	"rank":        "",
}

// unitWord is the unit in words; an unknown unit is its code with spaces.
func unitWord(unit, lang string) string {
	table := unitsVI
	if lang == "en" {
		table = unitsEN
	}
	if w, ok := table[unit]; ok {
		return w
	}
	return strings.ReplaceAll(unit, "_", " ")
}
