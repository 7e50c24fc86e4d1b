// Package synthcat builds synthetic catalogs for tests and benchmarks of the
// recommendation engine: small clustered catalogs with known genre families
// (for property tests that must not depend on the real data), and large
// catalogs resampled from a real one with noise, so 100k- and 1M-row
// benchmarks see the real feature distributions.
//
// The catalogs fill catalog.Catalog's exported fields directly; they have no
// id index (Lookup fails), which the engine tolerates.
package synthcat

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/continuo/continuo/internal/catalog"
	"github.com/continuo/continuo/internal/embed"
	"github.com/continuo/continuo/internal/music"
)

// Families of Clustered catalogs, in family-index order.
var Families = []string{"classical", "jazz", "rock", "pop", "hip hop", "electronic", "country & folk", "latin"}

// GenreDims is the genre dimension of Clustered catalogs.
const GenreDims = 32

// moodCentre is a plausible mean mood per family in z units (valence,
// energy, danceability, acousticness, instrumentalness, speechiness,
// loudness, tempo, mode), so mood steering has something to find.
var moodCentre = [][catalog.MoodDims]float32{
	{-0.6, -1.5, -1.2, 1.6, 1.5, -0.4, -1.6, -0.4, 0.2},
	{0.1, -0.6, 0.0, 0.9, 0.8, -0.2, -0.6, 0.0, 0.0},
	{0.0, 0.9, -0.3, -0.7, -0.2, -0.3, 0.6, 0.3, 0.2},
	{0.5, 0.5, 0.7, -0.4, -0.6, -0.1, 0.5, 0.0, 0.3},
	{0.2, 0.3, 1.0, -0.4, -0.6, 1.8, 0.4, 0.1, -0.2},
	{-0.1, 0.8, 0.6, -0.8, 1.0, -0.3, 0.5, 0.4, -0.1},
	{0.4, -0.1, 0.1, 0.5, -0.5, -0.4, -0.2, 0.0, 0.5},
	{0.9, 0.6, 1.1, -0.2, -0.5, 0.0, 0.5, 0.1, 0.1},
}

// Clustered returns a catalog of n tracks in len(Families) families, each a
// cluster in a 32-dimensional genre space and around its own mood centre,
// by n/12+1 artists (each in one family, up to 12 tracks, albums of 4
// tracks). Tracks of "hip hop" and "pop" are explicit one time in three.
// The same n and seed give the same catalog.
func Clustered(n int, seed uint64) *catalog.Catalog {
	rng := rand.New(rand.NewPCG(seed, 0x73796e7468))
	nf := len(Families)
	centres := make([][]float32, nf)
	for f := range centres {
		centres[f] = randUnit(rng, GenreDims)
	}
	nArtists := n/12 + 1
	tracks := make([]music.Track, n) // filled below, before c is returned
	c := catalog.NewCatalog(tracks)
	c.Genre, c.Mood = embed.NewMatrix(n, GenreDims), embed.NewMatrix(n, catalog.MoodDims)
	c.Artist, c.Artists = make([]int32, n), make([]string, nArtists)
	c.Family, c.Families = make([]uint8, n), append([]string(nil), Families...)
	artistFam := make([]int, nArtists)
	for a := range nArtists {
		artistFam[a] = a % nf
		c.Artists[a] = fmt.Sprintf("artist %d", a)
	}
	c.MoodMean = [catalog.MoodDims]float32{0.5, 0.6, 0.55, 0.3, 0.2, 0.1, -8, 4.8, 0.6}
	c.MoodStd = [catalog.MoodDims]float32{0.25, 0.25, 0.18, 0.33, 0.33, 0.12, 5, 0.25, 0.5}
	for i := range n {
		a := rng.IntN(nArtists)
		f := artistFam[a]
		g := c.Genre.Row(i)
		for j := range g {
			g[j] = centres[f][j] + 0.1*float32(rng.NormFloat64())
		}
		embed.Normalize(g)
		m := c.Mood.Row(i)
		for j := range m {
			m[j] = moodCentre[f][j] + 0.6*float32(rng.NormFloat64())
		}
		explicit := music.ExplicitNo
		if (Families[f] == "hip hop" || Families[f] == "pop") && rng.IntN(3) == 0 {
			explicit = music.ExplicitYes
		}
		c.Artist[i] = int32(a)
		c.Family[i] = uint8(f)
		tracks[i] = music.Track{
			ID:         music.TrackID(fmt.Sprintf("syn%07d", i)),
			Title:      fmt.Sprintf("Piece %d", i),
			Artists:    []string{c.Artists[a]},
			Album:      fmt.Sprintf("Album %d-%d", a, i%3),
			DurationMS: 180000 + int64(rng.IntN(120000)),
			Genres:     []string{Families[f]},
			Features:   featuresFromMood(c, m, rng),
			Popularity: int8(rng.IntN(101)),
			Explicit:   explicit,
		}
	}
	return c
}

// Resample returns a catalog of n tracks drawn with replacement from src,
// with small noise on every genre row (σ 0.05, renormalised) and mood value
// (σ 0.1), so the rows follow src's real feature distributions. Copy k of a
// source artist is a distinct artist, as it would be in a bigger catalog.
// Tags, families and the derived columns (holiday, explicit estimate,
// region) are src's.
func Resample(src *catalog.Catalog, n int, seed uint64) *catalog.Catalog {
	rng := rand.New(rand.NewPCG(seed, 0x726573616d706c65))
	sn := src.Len()
	gd := src.Genre.Cols
	tracks := make([]music.Track, n) // filled below, before c is returned
	c := catalog.NewCatalog(tracks)
	c.Genre, c.Mood = embed.NewMatrix(n, gd), embed.NewMatrix(n, catalog.MoodDims)
	c.Artist, c.Family = make([]int32, n), make([]uint8, n)
	c.Families, c.Tags, c.MoodMean, c.MoodStd = src.Families, src.Tags, src.MoodMean, src.MoodStd
	srcDerived := src.Derived.Valid(sn)
	if srcDerived { // the derived columns follow their rows (Derive on 1M rows is slow)
		d := src.Derived
		d.Holiday, d.ExplicitP, d.Region = make([]bool, n), make([]uint8, n), make([]uint8, n)
		c.Derived = d
	}
	copies := n/max(sn, 1) + 1
	c.Artists = make([]string, 0, len(src.Artists)*min(copies, 64))
	artistCopy := make(map[[2]int32]int32)
	for i := range n {
		r := rng.IntN(sn)
		k := int32(rng.IntN(copies))
		key := [2]int32{src.Artist[r], k}
		a, ok := artistCopy[key]
		if !ok {
			a = int32(len(c.Artists))
			artistCopy[key] = a
			c.Artists = append(c.Artists, fmt.Sprintf("%s %d", src.Artists[src.Artist[r]], k))
		}
		g, sg := c.Genre.Row(i), src.Genre.Row(r)
		for j := range g {
			g[j] = sg[j] + 0.05*float32(rng.NormFloat64())
		}
		embed.Normalize(g)
		m, sm := c.Mood.Row(i), src.Mood.Row(r)
		for j := range m {
			m[j] = sm[j] + 0.1*float32(rng.NormFloat64())
		}
		t := src.Track(r)
		t.ID = music.TrackID(fmt.Sprintf("%s-%d", t.ID, i))
		t.URI = ""
		tracks[i] = t
		c.Artist[i] = a
		c.Family[i] = src.Family[r]
		if srcDerived {
			d := &c.Derived
			d.Holiday[i], d.ExplicitP[i], d.Region[i] = src.Derived.Holiday[r], src.Derived.ExplicitP[r], src.Derived.Region[r]
		}
	}
	return c
}

func randUnit(rng *rand.Rand, d int) []float32 {
	v := make([]float32, d)
	for i := range v {
		v[i] = float32(rng.NormFloat64())
	}
	embed.Normalize(v)
	return v
}

// featuresFromMood gives a synthetic track raw features consistent with its
// mood row, and a random key, so transitions have something to score.
func featuresFromMood(c *catalog.Catalog, z []float32, rng *rand.Rand) music.Features {
	raw := func(d int) float32 { return z[d]*c.MoodStd[d] + c.MoodMean[d] }
	unit := func(d int) float32 { return float32(math.Max(0, math.Min(1, float64(raw(d))))) }
	return music.Features{
		Valence: unit(catalog.MoodValence), Energy: unit(catalog.MoodEnergy),
		Danceability: unit(catalog.MoodDanceability), Acousticness: unit(catalog.MoodAcousticness),
		Instrumentalness: unit(catalog.MoodInstrumentalness), Speechiness: unit(catalog.MoodSpeechiness),
		Liveness: 0.1, Loudness: raw(catalog.MoodLoudness),
		Tempo: float32(math.Exp(float64(raw(catalog.MoodTempo)))),
		Key:   int8(rng.IntN(12)), Mode: int8(rng.IntN(2)),
	}
}
