package hcl

import "slices"

// Status categories: how a wall map colours a unit's status word. A site's
// own words get a category in HCL (status_table "..." { categories = {...} }).
const (
	CategoryAvailable = "available"
	CategoryEnroute   = "enroute"
	CategoryOnScene   = "onscene"
	CategoryBusy      = "busy"
	CategoryOOS       = "oos" // out of service
	CategoryEmergency = "emergency"
)

// StatusCategories lists every category, in legend order.
var StatusCategories = []string{CategoryAvailable, CategoryEnroute, CategoryOnScene, CategoryBusy, CategoryOOS,
	CategoryEmergency}

// StatusPreset is a ready-made status table: code -> word, and each word's
// category.
type StatusPreset struct {
	Codes      map[string]string
	Categories map[string]string
}

// apcoCodes are the unit-status meanings of APCO's ten-codes (APCO Project
// 14's list; 10-76, 10-97 and 10-98 from the widely used expanded list).
// A decoder reports the number (an MDC-1200 or FleetSync status "8"), a
// console line may say "10-8": both are keys.
var apcoCodes = map[string]string{
	"6":  "busy",           // 10-6 busy, stand by unless urgent
	"7":  "out_of_service", // 10-7
	"8":  "in_service",     // 10-8 in service, available for assignment
	"19": "returning",      // 10-19 return(ing) to station
	"23": "on_scene",       // 10-23 arrived at scene
	"24": "available",      // 10-24 assignment completed
	"33": "emergency",      // 10-33 emergency
	"41": "on_duty",        // 10-41 beginning tour of duty
	"42": "off_duty",       // 10-42 ending tour of duty
	"76": "enroute",        // 10-76 en route (expanded list)
	"97": "on_scene",       // 10-97 arrived at scene (expanded list)
	"98": "available",      // 10-98 assignment completed (expanded list)
}

var apcoCategories = map[string]string{
	"busy": CategoryBusy, "out_of_service": CategoryOOS, "in_service": CategoryAvailable, "returning": CategoryBusy,
	"on_scene": CategoryOnScene, "available": CategoryAvailable, "emergency": CategoryEmergency,
	"on_duty": CategoryAvailable, "off_duty": CategoryOOS, "enroute": CategoryEnroute,
}

// StatusWords returns every status word the configuration's tables put in
// category (none when category is not one).
func (c *Config) StatusWords(category string) []string {
	var out []string
	for _, t := range c.StatusTabs {
		for w, cat := range t.Categories {
			if cat == category && !slices.Contains(out, w) {
				out = append(out, w)
			}
		}
	}
	slices.Sort(out)
	return out
}

// StatusPresets are the built-in tables, by name. Each call gets its own
// maps, so a site's overrides never touch the preset.
func StatusPresets() map[string]StatusPreset {
	codes := make(map[string]string, 2*len(apcoCodes))
	for n, w := range apcoCodes {
		codes[n] = w
		codes["10-"+n] = w
	}
	cats := make(map[string]string, len(apcoCategories))
	for w, c := range apcoCategories {
		cats[w] = c
	}
	return map[string]StatusPreset{"apco": {Codes: codes, Categories: cats}}
}
