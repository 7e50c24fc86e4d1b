package resolve

// The words of a request that are not the music itself, in normalised form
// (lowercase, no accents, apostrophes dropped: "s'il" is "sil"). English
// first; French, German, Spanish, Italian and Portuguese where a driver is
// likely to say them. The lists are small on purpose: a word here is never
// taken as part of a title, artist or genre name when it stands at the edge
// of a request, so each one is a bet that it is a command, not music.

// commandPhrases open a request ("play", "put on", "ich möchte ... hören"
// is not handled: word order). Longest first within the same first word.
var commandPhrases = [][]string{
	{"i", "want", "to", "listen", "to"}, {"i", "want", "to", "hear"}, {"i", "wanna", "hear"},
	{"i", "would", "like", "to", "hear"}, {"id", "like", "to", "hear"}, {"i", "d", "like", "to", "hear"},
	{"can", "you", "play"}, {"could", "you", "play"}, {"can", "i", "hear"}, {"can", "we", "hear"},
	{"lets", "hear"}, {"let", "s", "hear"}, {"let", "me", "hear"}, {"lets", "listen", "to"},
	{"listen", "to"}, {"put", "on"}, {"give", "me"}, {"play", "me"}, {"play"}, {"gimme"},
	{"hey"}, {"ok"}, {"okay"}, {"please"}, {"now"},
	// French, German, Spanish, Italian, Portuguese.
	{"joue"}, {"jouer"}, {"mets"}, {"mettez"}, {"ecouter"}, {"spiel"}, {"spiele"}, {"spielen"},
	{"pon"}, {"ponme"}, {"toca"}, {"tocame"}, {"reproduce"}, {"metti"}, {"suona"}, {"riproduci"},
	{"coloca"}, {"toque"}, {"quiero", "escuchar"}, {"je", "veux", "ecouter"}, {"ich", "will"},
}

// politeTails close a request: "please", "on Spotify".
var politeTails = [][]string{
	{"please"}, {"por", "favor"}, {"bitte"}, {"sil", "vous", "plait"}, {"sil", "te", "plait"},
	{"per", "favore"}, {"thanks"}, {"thank", "you"}, {"now"}, {"for", "me"}, {"hoeren"}, {"horen"},
	{"on", "spotify"}, {"on", "youtube"}, {"on", "deezer"}, {"on", "pandora"}, {"on", "the", "radio"},
}

// glue words carry no music: a request made only of them, mood words and a
// genre is a mood or genre request; made only of them, it asks for nothing
// in particular.
var glue = set(
	"some", "something", "anything", "any", "music", "song", "songs", "track", "tracks", "tune", "tunes",
	"stuff", "the", "a", "an", "of", "to", "for", "me", "my", "i", "us", "we", "up", "by", "from", "with",
	"while", "when", "in", "on", "more", "bit", "little", "kind", "sort", "type", "style", "genre",
	"playlist", "radio", "good", "nice", "great", "best", "random", "just", "play", "please", "and",
	"that", "is", "listen", "hear", "get", "make", "help", "keep", "mix", "sounds", "vibes", "vibe", "put", "turn",
	// French, German, Spanish, Italian, Portuguese.
	"quelque", "chose", "musique", "chanson", "chansons", "de", "la", "le", "les", "du", "des", "un", "une",
	"pour", "moi", "etwas", "was", "mal", "mir", "zum", "zu", "um", "musik", "lieder", "ein", "eine",
	"einen", "bisschen", "algo", "musica", "canciones", "para", "con", "una", "unos", "mi", "qualcosa",
	"per", "di", "della", "po", "poco", "canzoni", "um", "uma", "alguma", "coisa", "por", "favor", "bitte",
)

// optionalForArtist are the words of a request that need not be in an
// artist's name: "songs by metallica", "something from bob marley". Fewer
// than glue: "kind of blue" is not a request for Jonas Blue.
var optionalForArtist = set(
	"some", "something", "anything", "any", "music", "song", "songs", "track", "tracks", "tunes", "stuff",
	"the", "a", "an", "by", "from", "more", "of", "me", "musique", "musik", "musica", "de", "von", "canciones",
	"chansons", "lieder", "canzoni", "di", "album", "albums", "hits", "greatest", "best",
)

// moodWords map a word to the mood it asks for.
var moodWords = map[string]string{
	// calm
	"calm": "calm", "calming": "calm", "relax": "calm", "relaxing": "calm", "relaxed": "calm",
	"chill": "calm", "chilled": "calm", "chillout": "calm", "quiet": "calm", "soft": "calm",
	"peaceful": "calm", "gentle": "calm", "mellow": "calm", "soothing": "calm", "sleep": "calm",
	"sleepy": "calm", "sleeping": "calm", "lullaby": "calm", "lullabies": "calm", "bedtime": "calm",
	"slow": "calm", "meditation": "calm", "unwind": "calm", "tranquil": "calm", "serene": "calm",
	"sad": "calm", "quieter": "calm", "calmer": "calm", "softer": "calm", "rainy": "calm",
	"calme": "calm", "douce": "calm", "doux": "calm", "reposant": "calm", "reposante": "calm",
	"relaxante": "calm", "apaisant": "calm", "apaisante": "calm", "dormir": "calm", "berceuse": "calm",
	"berceuses": "calm", "ruhig": "calm", "ruhige": "calm", "ruhiges": "calm", "ruhigen": "calm",
	"entspannt": "calm", "entspannend": "calm", "entspannte": "calm", "entspannende": "calm",
	"entspannendes": "calm", "sanft": "calm", "sanfte": "calm", "schlafen": "calm", "schlaflied": "calm",
	"wiegenlied": "calm", "tranquilo": "calm", "tranquila": "calm", "tranquilos": "calm",
	"relajante": "calm", "relajada": "calm", "relajado": "calm", "suave": "calm", "calmada": "calm",
	"nana": "calm", "nanas": "calm", "tranquilla": "calm", "rilassante": "calm", "calma": "calm",
	"ninna": "calm",
	// lively
	"energetic": "lively", "energy": "lively", "upbeat": "lively", "lively": "lively", "party": "lively",
	"pump": "lively", "pumped": "lively", "workout": "lively", "gym": "lively", "running": "lively",
	"wake": "lively", "awake": "lively", "happy": "lively", "fun": "lively", "hype": "lively",
	"fast": "lively", "motivation": "lively", "motivating": "lively", "exciting": "lively",
	"cheerful": "lively", "morning": "lively", "dancing": "lively", "faster": "lively",
	"energique": "lively", "fete": "lively", "reveil": "lively", "dansante": "lively", "joyeuse": "lively",
	"schwungvoll": "lively", "schwungvolles": "lively", "lebhaft": "lively", "aufwachen": "lively",
	"frohlich": "lively", "frohliche": "lively", "energiegeladen": "lively", "energetica": "lively",
	"energico": "lively", "energetico": "lively", "fiesta": "lively", "animada": "lively",
	"animado": "lively", "despertar": "lively", "alegre": "lively", "festa": "lively",
	"allegra": "lively", "energica": "lively", "animata": "lively",
	// steady
	"steady": "steady", "driving": "steady", "drive": "steady", "cruising": "steady", "focus": "steady",
	"concentrate": "steady", "concentration": "steady", "study": "steady", "studying": "steady",
	"work": "steady", "working": "steady", "background": "steady", "roadtrip": "steady",
	"commute": "steady", "commuting": "steady", "dance": "lively", "danceable": "lively", "high": "lively",
}

// weakMoods are mood words that are also common titles ("Happy", "Work",
// "Party"): alone they name the song; with glue ("happy music", "something
// to work to") or another mood word they ask for a mood.
var weakMoods = set("happy", "work", "working", "drive", "driving", "fast", "energy", "focus", "morning",
	"sad", "party", "slow", "fun", "hype", "soft", "quiet", "gentle", "running", "calma", "fiesta", "festa",
	"nana", "alegre", "suave", "steady", "background", "study", "dance", "high")

// genreSynonyms map a spoken genre to a catalog label (normalised).
var genreSynonyms = map[string]string{
	"klassik": "classical", "klassische": "classical", "klassischer": "classical",
	"klassisches": "classical", "classique": "classical", "clasica": "classical",
	"clasico": "classical", "classica": "classical", "classico": "classical", "orchestral": "classical",
	"rap": "hip hop", "hiphop": "hip hop", "rnb": "r b", "r and b": "r b", "rhythm and blues": "r b",
	"latina": "latin", "latino": "latin", "electronica": "electronic", "electro": "electronic",
	"rock and roll": "rock n roll", "rock n roll": "rock n roll", "heavy metal": "metal",
	"raggae": "reggae", "reggea": "reggae", "jazzy": "jazz", "country music": "country",
	"chanson": "french", "schlager": "german", "k pop": "k pop", "kpop": "k pop",
}

func set(words ...string) map[string]bool {
	m := make(map[string]bool, len(words))
	for _, w := range words {
		m[w] = true
	}
	return m
}
