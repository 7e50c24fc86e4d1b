// Package incar owns the in-car steering model: how driving conditions shift
// music ratings, learned from the InCarMusic data set (Baltrunas et al.,
// EC-Web 2011; ../shared/data/incarmusic) at build time, shrunk toward zero
// by the evidence behind each number, and embedded in the daemon. It does
// not rank: internal/recommend (steer.go) applies the effects, and
// internal/vehicle maps vehicle signals to Conditions.
//
// A Condition names one InCarMusic driving condition by the data set's
// column name and value, both in lower case. The factors and their levels:
//
//	drivingstyle       relaxed driving, sport driving
//	landscape          coast line, country side, mountains, urban
//	mood               active, happy, lazy, sad
//	naturalphenomena   morning, day time, afternoon, night
//	roadtype           city, highway, serpentine
//	sleepiness         awake, sleepy
//	trafficconditions  free road, lots of cars, traffic jam
//	weather            cloudy, rainy, snowing, sunny
//
// Weather is a valid Condition but carries no learned effect: the public copy
// of the data fills a weather value on every row, including rows rated under
// another condition, so its own effect cannot be told apart (docs/context.md).
//
// A *Model is immutable and safe for concurrent use. docs/context.md gives
// the learned table, the method and the held-out evaluation.
package incar

// Condition is one InCarMusic driving condition: Factor is the data set's
// column name in lower case, Level its value in lower case, e.g.
// {"trafficconditions", "traffic jam"} or {"roadtype", "highway"}.
type Condition struct {
	Factor string `json:"factor"`
	Level  string `json:"level"`
}

func (c Condition) String() string { return c.Factor + "=" + c.Level }

// Factor names (the data set's column names, lower case).
const (
	FactorDrivingStyle = "drivingstyle"
	FactorLandscape    = "landscape"
	FactorMood         = "mood"
	FactorDaytime      = "naturalphenomena"
	FactorRoadType     = "roadtype"
	FactorSleepiness   = "sleepiness"
	FactorTraffic      = "trafficconditions"
	FactorWeather      = "weather"
)

// levels lists every factor's levels in the data set's spelling.
var levels = map[string][]string{
	FactorDrivingStyle: {"relaxed driving", "sport driving"},
	FactorLandscape:    {"coast line", "country side", "mountains", "urban"},
	FactorMood:         {"active", "happy", "lazy", "sad"},
	FactorDaytime:      {"morning", "day time", "afternoon", "night"},
	FactorRoadType:     {"city", "highway", "serpentine"},
	FactorSleepiness:   {"awake", "sleepy"},
	FactorTraffic:      {"free road", "lots of cars", "traffic jam"},
	FactorWeather:      {"cloudy", "rainy", "snowing", "sunny"},
}

// factorOrder is the data set's column order, used wherever output must be
// deterministic.
var factorOrder = []string{FactorDrivingStyle, FactorLandscape, FactorMood, FactorDaytime,
	FactorRoadType, FactorSleepiness, FactorTraffic, FactorWeather}

// Factors returns the factor names in the data set's column order.
func Factors() []string { return append([]string(nil), factorOrder...) }

// Levels returns the levels of a factor (nil for an unknown factor).
func Levels(factor string) []string { return append([]string(nil), levels[factor]...) }

// Valid reports whether c names a factor and one of its levels.
func (c Condition) Valid() bool {
	for _, l := range levels[c.Factor] {
		if l == c.Level {
			return true
		}
	}
	return false
}
