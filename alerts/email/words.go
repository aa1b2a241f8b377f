package email

import "strings"

// wordsVI are the Vietnamese words and sentence patterns of the e-mails:
// {0}, {1} … are filled by builder.sprintf.
var wordsVI = map[string]string{
	"firing":             "Cần kiểm tra",
	"resolved":           "Không còn cần kiểm tra",
	"repeat":             "Nhắc lại",
	"digest":             "Tổng hợp",
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
	"outlier":            "Khác xa các địa phương khác",
	"correct":            "Đã xem xét, số liệu đúng",
	"will_be_corrected":  "Số liệu sẽ được điều chỉnh",
	"fired":              "Mới phát hiện",
	"still_firing":       "Vẫn cần kiểm tra",
	"section_resolved":   "Không còn cần kiểm tra",
	"acknowledged":       "Cán bộ phụ trách đã xác nhận",

	"reminder":       "Nhắc lại",
	"title_firing":   "{0} số liệu cần kiểm tra",
	"title_repeat":   "{0} số liệu vẫn cần kiểm tra",
	"title_resolved": "{0} số liệu không còn cần kiểm tra",
	"title_digest":   "{2} số liệu cần kiểm tra, {3} đã xong (tổng hợp {0} – {1})",
	"title_test":     "Thư thử nghiệm gửi tới {0}",
	"n_areas":        "{0} địa phương",
	"your_area":      "địa phương",

	"intro_firing":   "Khi kiểm tra các số liệu đã công bố, chiso thấy {0} số liệu của {1} cần anh/chị xem lại.",
	"intro_repeat":   "Nhắc lại: {0} số liệu của {1} vẫn cần anh/chị xem lại.",
	"intro_resolved": "Các số liệu dưới đây của {0} không còn cần kiểm tra.",
	"intro_digest":   "Tổng hợp kết quả kiểm tra số liệu của {2} từ {0} đến {1}.",
	"intro_test":     "Đây là thư thử nghiệm của chiso, gửi tới danh sách nhận “{0}”. Anh/chị nhận được thư này nghĩa là việc gửi thư đã hoạt động; không cần làm gì thêm.",

	"q_over":        "trên",
	"q_nearly":      "gần",
	"q_about":       "khoảng",
	"q_estimate":    "ước tính",
	"q_preliminary": "(sơ bộ)",
	"q_derived":     "(tính từ số liệu khác)",
	"rank":          "hạng {0}",
	"points":        "{0} điểm phần trăm",
	"p_year":        "năm {0}",
	"p_half1":       "6 tháng đầu năm {0}",
	"p_half2":       "6 tháng cuối năm {0}",
	"p_quarter":     "quý {0}/{1}",
	"p_month":       "tháng {0}/{1}",

	"the_figure":      "số liệu",
	"its_publication": "văn bản đã công bố",

	"problem_below_target":               "{0} ({2}) chưa đạt mục tiêu {1}.",
	"problem_below_target_indeterminate": "{0} ({2}): chưa thể kết luận có đạt mục tiêu {1} hay không.",
	"problem_off_track":                  "{0} ({2}): theo xu hướng hiện nay sẽ không đạt mục tiêu {1} đúng hạn.",
	"problem_out_of_range":               "{0} ({2}) nằm ngoài khoảng giá trị hợp lệ (giới hạn {1}).",
	"problem_implausible_change":         "{0} ({2}) thay đổi bất thường so với kỳ trước (mức hợp lý: {1}).",
	"problem_unit_slip":                  "{0} ({2}) lệch khoảng một nghìn lần so với kỳ trước ({1}): có thể nhầm đơn vị.",
	"problem_definition_change":          "Số liệu mới nhất ({0}, {2}) được đếm theo định nghĩa khác kỳ trước nên không so sánh được.",
	"problem_inconsistent":               "{0} ({2}) không khớp với các số liệu liên quan cùng kỳ.",
	"problem_inconsistent_indeterminate": "{0} ({2}) có thể không khớp với các số liệu liên quan cùng kỳ.",
	"problem_decrease":                   "{0} ({2}) thấp hơn kỳ trước ({1}) dù đây là số liệu cộng dồn.",
	"problem_missing":                    "Chưa có số liệu {2}.",
	"problem_outlier":                    "{0} ({2}) khác xa các địa phương khác cùng kỳ (mức thường gặp: {1}).",
	"problem_other":                      "{0} ({1}) cần được xem lại.",

	"action_target":            "Mục tiêu {0} có nguy cơ không đạt: còn thiếu {1}.",
	"action_indeterminate":     "Đề nghị xin số liệu chính xác thay cho “{0}” để so với mục tiêu {1}.",
	"action_missing":           "Đề nghị cập nhật số liệu {0} khi được công bố.",
	"action_definition_change": "Khi so sánh với các năm trước, ghi rõ định nghĩa của từng số liệu; không cần sửa nếu nguồn đã ghi đúng.",
	"action_unit_slip":         "Kiểm tra đơn vị của số liệu {0} (ví dụ tỷ hay nghìn tỷ) trong {1}.",
	"action_check":             "Đối chiếu số liệu {0} với {1}.",

	"because_revised":      "Số liệu đã được đính chính: bản sửa mới không còn vấn đề.",
	"because_new_data":     "Số liệu mới công bố đã giải thích chênh lệch; số liệu này không thay đổi.",
	"because_rule_changed": "Cách kiểm tra đã được thay đổi và không còn áp dụng cho số liệu này.",
	"because_unknown":      "Lần kiểm tra gần nhất không còn thấy vấn đề.",

	"ack_correct":           "{0} xác nhận lúc {1}: số liệu đúng.",
	"ack_will_be_corrected": "{0} xác nhận lúc {1}: số liệu sẽ được điều chỉnh.",
}

// wordsEN are the English words and patterns for the same keys.
var wordsEN = map[string]string{
	"firing":             "To check",
	"resolved":           "No longer to check",
	"repeat":             "Reminder",
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
	"missing":            "Missing figure",
	"outlier":            "Far from other provinces",
	"correct":            "Reviewed, correct",
	"will_be_corrected":  "Will be corrected",
	"fired":              "New",
	"still_firing":       "Still to check",
	"section_resolved":   "No longer to check",
	"acknowledged":       "Acknowledged by a data steward",

	"reminder":           "Reminder",
	"title_firing":       "{0} figures to check",
	"title_firing_one":   "1 figure to check",
	"title_repeat":       "{0} figures still to check",
	"title_repeat_one":   "1 figure still to check",
	"title_resolved":     "{0} figures no longer to check",
	"title_resolved_one": "1 figure no longer to check",
	"title_digest":       "{2} to check, {3} cleared (digest {0} – {1})",
	"title_test":         "Test message for {0}",
	"n_areas":            "{0} provinces",
	"your_area":          "your province",

	"intro_firing":     "Checking the published figures, chiso found {0} figures of {1} that need your review.",
	"intro_firing_one": "Checking the published figures, chiso found 1 figure of {1} that needs your review.",
	"intro_repeat":     "A reminder: {0} figures of {1} still need your review.",
	"intro_repeat_one": "A reminder: 1 figure of {1} still needs your review.",
	"intro_resolved":   "The figures of {0} below no longer need checking.",
	"intro_digest":     "The results of checking the figures of {2} from {0} to {1}.",
	"intro_test":       "This is a test message from chiso to the receiver “{0}”. If you read it, e-mail delivery works; nothing else is needed.",

	"q_over":        "over",
	"q_nearly":      "nearly",
	"q_about":       "about",
	"q_estimate":    "an estimated",
	"q_preliminary": "(preliminary)",
	"q_derived":     "(derived from other figures)",
	"rank":          "rank {0}",
	"points":        "{0} percentage points",
	"p_year":        "{0}",
	"p_half1":       "first half of {0}",
	"p_half2":       "second half of {0}",
	"p_quarter":     "Q{0} {1}",
	"p_month":       "{0}/{1}",

	"the_figure":      "the figure",
	"its_publication": "where it was published",

	"problem_below_target":               "{0} ({2}) is below the target of {1}.",
	"problem_below_target_indeterminate": "{0} ({2}): whether it meets the target of {1} cannot be told.",
	"problem_off_track":                  "{0} ({2}): at the current trend the target of {1} will not be met in time.",
	"problem_out_of_range":               "{0} ({2}) is outside the valid range (limit {1}).",
	"problem_implausible_change":         "{0} ({2}) changed implausibly from the previous period (plausible: {1}).",
	"problem_unit_slip":                  "{0} ({2}) is about a thousand times the previous period ({1}): perhaps a unit slip.",
	"problem_definition_change":          "The latest figure ({0}, {2}) is counted by another definition than the one before, so the two cannot be compared.",
	"problem_inconsistent":               "{0} ({2}) does not agree with the related figures of the same period.",
	"problem_inconsistent_indeterminate": "{0} ({2}) may not agree with the related figures of the same period.",
	"problem_decrease":                   "{0} ({2}) is below the previous period ({1}) although it is a running total.",
	"problem_missing":                    "No figure yet for {2}.",
	"problem_outlier":                    "{0} ({2}) is far from the other provinces in the same period (typical: {1}).",
	"problem_other":                      "{0} ({1}) needs a review.",

	"action_target":            "The target of {0} is at risk: {1} short.",
	"action_indeterminate":     "Ask for the exact figure instead of “{0}” to compare it with the target of {1}.",
	"action_missing":           "Please send the figure for {0} once it is published.",
	"action_definition_change": "When comparing with earlier years, state each figure's definition; nothing needs correcting if the source states it.",
	"action_unit_slip":         "Check the unit of {0} (billion or thousand billion, for example) in {1}.",
	"action_check":             "Check {0} against {1}.",

	"because_revised":      "The figure was corrected: its new revision no longer shows the problem.",
	"because_new_data":     "Newer figures explain it; this figure itself is unchanged.",
	"because_rule_changed": "The check was changed and no longer applies to this figure.",
	"because_unknown":      "The latest check no longer finds the problem.",

	"ack_correct":           "{0} confirmed on {1} that the figure is correct.",
	"ack_will_be_corrected": "{0} confirmed on {1} that the figure will be corrected.",
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
