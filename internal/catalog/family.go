package catalog

import "strings"

// Genre families: coarse, curated groups used by evaluation ("genre
// coherence") and by human-readable reasons. The order is part of the
// snapshot format and of evaluation output: append only. docs/catalog.md
// explains the grouping.
var familyNames = []string{
	"classical",              // 0
	"jazz",                   // 1
	"blues",                  // 2
	"rock",                   // 3
	"metal",                  // 4
	"punk",                   // 5
	"pop",                    // 6
	"hip hop",                // 7
	"electronic",             // 8
	"r&b & soul",             // 9
	"latin",                  // 10
	"reggae",                 // 11
	"country & folk",         // 12
	"world",                  // 13
	"soundtrack & stage",     // 14
	"ambient & experimental", // 15
	"children & comedy",      // 16
	"other",                  // 17: no family could be derived
}

// FamilyOther is the family of rows whose labels and tags say nothing usable.
const FamilyOther = 17

// nonGenre marks labels of the datasets that name a mood, an activity, an
// instrument or a region rather than a style ("sad", "study", "piano",
// "british"). They carry no family; a track under only such labels gets its
// family from its artists' tags. M's "piano" is mostly pop piano (OneRepublic,
// Billy Joel), so it is here rather than in classical.
var nonGenre = map[string]bool{
	"sad": true, "study": true, "party": true, "sleep": true, "happy": true, "chill": true,
	"romance": true, "groove": true, "guitar": true, "piano": true, "seasonal": true,
	"british": true, "swedish": true, "french": true, "german": true, "spanish": true, "brazil": true,
}

// labelFamily is the curated family of each of the 207 labels of
// tracks_multigenre.csv (and the 6 playlist genres of
// spotify_songs_playlists.csv), keyed by normalised label.
var labelFamily = map[string]int{}

func init() {
	groups := map[int][]string{
		0: {"classical", "romantic classical", "baroque", "contemporary classical", "renaissance",
			"medieval", "minimalism", "opera"},
		1: {"jazz", "acid jazz", "avant-garde jazz", "bebop", "big band", "free jazz", "hard bop",
			"smooth jazz", "jazz fusion", "fusion", "latin jazz", "swing"},
		2: {"blues", "blues rock"},
		3: {"rock", "alt rock", "alternative", "art rock", "britpop", "glam rock", "grunge", "hard rock",
			"indie", "j-rock", "krautrock", "math rock", "new wave", "noise rock", "post-rock", "power pop",
			"progressive rock", "psych rock", "psychedelic", "rock n roll", "rockabilly", "shoegaze",
			"space rock", "stoner rock", "goth", "industrial"},
		4: {"metal", "black metal", "death metal", "doom metal", "gothic metal", "grindcore", "heavy metal",
			"metalcore", "nordic metal", "power metal", "symphonic metal", "thrash metal"},
		5: {"punk", "punk rock", "pop punk", "ska punk", "post-punk", "emo", "hardcore"},
		6: {"pop", "dance", "synth-pop", "indie pop", "dream pop", "acoustic", "k-pop", "j-pop", "cantopop",
			"mandopop", "j-idol", "j-dance"},
		7: {"hip hop", "rap", "trap", "drill", "grime", "bounce"},
		8: {"edm", "electronic", "electronica", "electro", "electropop", "house", "deep house", "chicago house",
			"progressive house", "tropical house", "big room", "techno", "detroit techno", "minimal techno",
			"trance", "goa trance", "psytrance", "dubstep", "drum and bass", "breakbeat", "garage",
			"future bass", "club", "idm", "synthwave", "vaporwave", "vaportrap", "trip-hop", "downtempo",
			"lo-fi", "moombahton", "funktronica", "jazztronica", "electro swing", "happy hardcore", "gabber",
			"hardstyle"},
		9: {"r&b", "contemporary r&b", "soul", "neo soul", "motown", "gospel", "funk", "disco", "doo-wop"},
		10: {"latin", "latino", "latin pop", "reggaeton", "salsa", "bachata", "merengue", "cumbia",
			"afro-cuban", "tango", "flamenco", "bossa nova", "samba", "mpb", "pagode", "forro", "sertanejo"},
		11: {"reggae", "dancehall", "dub", "ska", "rocksteady"},
		12: {"country", "folk", "bluegrass", "honky-tonk", "singer-songwriter", "songwriter", "celtic",
			"nordic folk", "cajun", "zydeco"},
		13: {"world", "afrobeat", "highlife", "desert blues", "klezmer", "sufi", "carnatic", "hindustani",
			"bollywood", "pop film", "indian", "iranian", "malay", "turkish"},
		14: {"soundtrack", "show tunes", "video game music", "anime"},
		15: {"ambient", "new age", "drone", "experimental", "avant-garde"},
		16: {"children", "kids", "disney", "comedy"},
	}
	for f, labels := range groups {
		for _, l := range labels {
			labelFamily[NormalizeTag(l)] = f
		}
	}
	// The playlist file's six genres.
	labelFamily["edm"] = 8
}

// phraseFamily catches multi-word tags whose words would mislead the token
// rules below ("baroque pop" is pop, not classical; "indian classical" is
// world, not Western classical).
var phraseFamily = map[string]int{
	"baroque pop": 6, "chamber pop": 6, "classical crossover": 6, "dance pop": 6, "pop dance": 6,
	"indian classical": 13, "hindustani classical": 13, "carnatic": 13, "classical indian pop": 13,
	"adult standards": 1, "happy hardcore": 8, "hardcore techno": 8, "electro swing": 8,
	"trap latino": 10, "early music": 0, "big band": 1, "trip hop": 8, "new jack swing": 9,
	"new age": 15, "indie poptimism": 6, "urban contemporary": 9, "latin hip hop": 10, "neo classical metal": 4, "classic rock": 3,
}

// keywordRules assign a family to a Spotify tag by its words, first match
// wins; the order resolves compounds ("pop punk" is punk, "pop rap" hip hop,
// "country rock" country & folk).
var keywordRules = []struct {
	family int
	words  []string
}{
	{4, []string{"metal", "metalcore", "deathcore", "djent", "grindcore", "sludge"}},
	{0, []string{"classical", "baroque", "romantic", "romanticism", "opera", "operetta", "orchestra",
		"orchestral", "symphony", "symphonic", "choral", "choir", "chamber", "renaissance", "medieval",
		"requiem", "harpsichord", "minimalism", "impressionism", "serialism", "lieder", "quartet",
		"polyphony", "gregorian", "chant", "cantata", "oratorio"}},
	{5, []string{"punk", "emo", "hardcore", "screamo", "oi"}},
	{7, []string{"hip", "rap", "trap", "drill", "grime", "crunk", "phonk", "boom", "hyphy", "bounce"}},
	{1, []string{"jazz", "bebop", "bop", "swing", "dixieland", "ragtime", "bigband"}},
	{2, []string{"blues", "boogie"}},
	{11, []string{"reggae", "dancehall", "dub", "ska", "rocksteady", "soca", "ragga"}},
	{10, []string{"latin", "latino", "latina", "reggaeton", "salsa", "bachata", "cumbia", "merengue", "tango",
		"bossa", "samba", "mpb", "sertanejo", "forro", "pagode", "mariachi", "ranchera", "banda", "norteno",
		"corrido", "corridos", "bolero", "flamenco", "mexican", "brasileiro", "brazilian", "colombian",
		"argentine", "cubano", "cuban", "tropical", "vallenato", "axe", "grupera", "urbano"}},
	{8, []string{"house", "techno", "trance", "edm", "electro", "electronic", "electronica", "dubstep",
		"breakbeat", "idm", "synthwave", "vaporwave", "chillwave", "downtempo", "hardstyle", "gabber",
		"jungle", "dnb", "drum", "bass", "trip", "lo", "glitch", "big", "eurodance", "future", "garage",
		"psytrance", "step"}},
	{9, []string{"soul", "r&b", "funk", "motown", "gospel", "disco", "doo", "storm", "jack"}},
	{12, []string{"country", "folk", "bluegrass", "americana", "honky", "songwriter", "celtic", "cajun",
		"zydeco", "outlaw", "cowboy", "appalachian", "irish", "shanty", "polka", "western"}},
	{14, []string{"soundtrack", "score", "tunes", "broadway", "musical", "game", "anime", "cabaret",
		"hollywood", "movie", "film", "theme"}},
	{16, []string{"children", "childrens", "kids", "comedy", "lullaby", "nursery", "cartoon", "disney"}},
	{13, []string{"world", "afrobeat", "afrobeats", "afropop", "highlife", "bollywood", "filmi", "indian",
		"arabic", "turkish", "persian", "klezmer", "sufi", "qawwali", "african", "desi", "bhangra", "punjabi",
		"ghazal", "tamil", "telugu", "kannada", "malayalam", "iranian", "kurdish", "greek", "balkan",
		"gypsy", "fado", "rai", "mbalax", "soukous", "kizomba", "chinese", "mandopop", "cantopop"}},
	{15, []string{"ambient", "drone", "experimental", "avant", "meditation", "sleep", "noise",
		"healing", "432hz", "environmental", "field"}},
	{3, []string{"rock", "grunge", "shoegaze", "britpop", "indie", "alternative", "psych", "psychedelic",
		"wave", "rockabilly", "goth", "gothic", "krautrock", "post", "garage", "surf", "mod", "beat"}},
	{6, []string{"pop", "idol", "boy", "girl", "europop", "schlager", "k", "j", "c", "teen", "easy",
		"lounge", "crooner", "chanson", "cantautor", "cantautori", "canzone", "kayokyoku", "enka"}},
}

// keywordFamily returns the family of a normalised tag from the curated
// tables and the word rules, or -1.
func keywordFamily(key string) int {
	if nonGenre[key] {
		return -1
	}
	if f, ok := labelFamily[key]; ok {
		return f
	}
	// Longest matching phrase wins, so the result does not depend on map order.
	best, bestLen := -1, 0
	for phrase, f := range phraseFamily {
		if len(phrase) > bestLen || (len(phrase) == bestLen && best >= 0 && f < best) {
			if strings.Contains(" "+key+" ", " "+phrase+" ") {
				best, bestLen = f, len(phrase)
			}
		}
	}
	if best >= 0 {
		return best
	}
	// The last word is usually the head of an English genre compound
	// ("post-teen pop" is pop, "pop rock" rock, "dfw rap" hip hop), so it
	// decides first; then any word, in rule order ("late romantic era").
	words := strings.Fields(key)
	if len(words) == 0 {
		return -1
	}
	for _, cand := range [][]string{words[len(words)-1:], words} {
		for _, rule := range keywordRules {
			for _, w := range cand {
				for _, rw := range rule.words {
					if w == rw {
						return rule.family
					}
				}
			}
		}
	}
	return -1
}

// Families returns the family names in index order (a copy).
func FamilyNames() []string { return append([]string(nil), familyNames...) }

// FamilyOf returns the genre family of arbitrary genre strings (a track's
// labels, a player's xesam:genre), by majority over the strings, ties going
// to the earlier string; -1 when none of them maps to a family.
func (c *Catalog) FamilyOf(tags []string) int {
	if c == nil || c.Tags == nil {
		return familyByVote(tags, nil)
	}
	return familyByVote(tags, c.Tags)
}

func familyByVote(tags []string, s *TagSpace) int {
	var votes [32]int
	first := [32]int{}
	best, order := -1, 0
	for _, t := range tags {
		f := tagFamily(t, s)
		if f < 0 || f >= len(votes) {
			continue
		}
		if votes[f] == 0 {
			order++
			first[f] = order
		}
		votes[f]++
		if best < 0 || votes[f] > votes[best] || (votes[f] == votes[best] && first[f] < first[best]) {
			best = f
		}
	}
	return best
}

// tagFamily maps one genre string to a family: the tag space's learned
// mapping for known tags, the curated tables, then the nearest tag with a
// family in the genre space.
func tagFamily(tag string, s *TagSpace) int {
	key := NormalizeTag(tag)
	if key == "" || nonGenre[key] {
		return -1
	}
	if s != nil {
		if i, ok := s.index[key]; ok && s.family[i] >= 0 {
			return int(s.family[i])
		}
	}
	if f := keywordFamily(key); f >= 0 {
		return f
	}
	if alias, ok := tagAliases[key]; ok {
		if f := keywordFamily(alias); f >= 0 {
			return f
		}
	}
	if s != nil {
		return s.nearestFamily(key)
	}
	return -1
}
