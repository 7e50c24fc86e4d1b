package vehicle

import (
	"time"

	"github.com/continuo/continuo/internal/incar"
)

// Levels of the InCarMusic conditions by key value; a key value missing
// here has no condition (e.g. no InCarMusic level for "dense" traffic
// beyond "lots of cars", which is the same thing).
var conditionOf = map[Key]map[string]incar.Condition{
	Traffic: {
		TrafficFree:  {Factor: incar.FactorTraffic, Level: "free road"},
		TrafficDense: {Factor: incar.FactorTraffic, Level: "lots of cars"},
		TrafficJam:   {Factor: incar.FactorTraffic, Level: "traffic jam"},
	},
	Road: {
		RoadCity:    {Factor: incar.FactorRoadType, Level: "city"},
		RoadHighway: {Factor: incar.FactorRoadType, Level: "highway"},
		RoadWinding: {Factor: incar.FactorRoadType, Level: "serpentine"},
	},
	Weather: {
		"sunny": {Factor: incar.FactorWeather, Level: "sunny"}, "cloudy": {Factor: incar.FactorWeather, Level: "cloudy"},
		"rainy": {Factor: incar.FactorWeather, Level: "rainy"}, "snowing": {Factor: incar.FactorWeather, Level: "snowing"},
	},
	DrivingStyle: {
		"relaxed": {Factor: incar.FactorDrivingStyle, Level: "relaxed driving"},
		"sport":   {Factor: incar.FactorDrivingStyle, Level: "sport driving"},
	},
}

// HighwaySpeed is the speed (km/h) above which a road not reported is
// taken to be a highway: few city or winding roads allow it.
const HighwaySpeed = 100.0

// Conditions maps a context onto the InCarMusic driving conditions, in a
// fixed order: traffic, road (reported, else inferred from the speed),
// sleepiness from the fatigue level, weather, driving style, and the time
// of day from the clock. No context is no condition at all (not even the
// time of day): exactly today's ranking.
func Conditions(cx Context) []incar.Condition {
	if cx.Empty() {
		return nil
	}
	var out []incar.Condition
	for _, k := range []Key{Traffic, Road, Weather, DrivingStyle} {
		if v, ok := cx.String(k); ok {
			out = append(out, conditionOf[k][v])
		}
	}
	if _, ok := cx.String(Road); !ok {
		if s, ok := cx.Float(Speed); ok && s >= HighwaySpeed {
			out = append(out, conditionOf[Road][RoadHighway])
		}
	}
	if f, ok := cx.Float(FatigueLevel); ok {
		switch {
		case f >= FatigueHigh:
			out = append(out, incar.Condition{Factor: incar.FactorSleepiness, Level: "sleepy"})
		case f <= FatigueLow:
			out = append(out, incar.Condition{Factor: incar.FactorSleepiness, Level: "awake"})
		}
	}
	return append(out, incar.Condition{Factor: incar.FactorDaytime, Level: DaytimeOf(cx.Now)})
}

// DaytimeOf is InCarMusic's naturalphenomena level for a local clock time:
// morning 5-11, day time 11-14, afternoon 14-18, night 18-5. The data set
// does not define its bounds; these are the usual reading of the words.
func DaytimeOf(t time.Time) string {
	switch h := t.Hour(); {
	case h >= 5 && h < 11:
		return "morning"
	case h >= 11 && h < 14:
		return "day time"
	case h >= 14 && h < 18:
		return "afternoon"
	}
	return "night"
}
