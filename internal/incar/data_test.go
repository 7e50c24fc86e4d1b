package incar

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const ratingsHeader = "UserID,ItemID,Rating,DrivingStyle,landscape,mood,naturalphenomena,RoadType,sleepiness,trafficConditions,weather\n"

func TestReadRatings(t *testing.T) {
	cases := []struct {
		name, body string
		want       []Rating
		err        string // substring; "" = no error
	}{
		{name: "no-context row", body: "1001,251,2,NA,NA,NA,NA,NA,NA,NA,rainy\n",
			want: []Rating{{User: 1001, Item: 251, Rating: 2, Weather: "rainy"}}},
		{name: "one condition", body: "1001,715,2,NA,NA,NA,NA,NA,NA,traffic jam,cloudy\n",
			want: []Rating{{User: 1001, Item: 715, Rating: 2, Cond: Condition{FactorTraffic, "traffic jam"}, Weather: "cloudy"}}},
		{name: "level case folded", body: "1,2,3,Sport Driving,NA,NA,NA,NA,NA,NA,NA\n",
			want: []Rating{{User: 1, Item: 2, Rating: 3, Cond: Condition{FactorDrivingStyle, "sport driving"}}}},
		{name: "bad user", body: "x,251,2,NA,NA,NA,NA,NA,NA,NA,rainy\n", err: "ratings.csv:2: UserID"},
		{name: "bad item", body: "1,2,3,NA,NA,NA,NA,NA,NA,NA,NA\n1,?,3,NA,NA,NA,NA,NA,NA,NA,NA\n", err: "ratings.csv:3: ItemID"},
		{name: "rating out of range", body: "1,2,7,NA,NA,NA,NA,NA,NA,NA,NA\n", err: "ratings.csv:2: Rating \"7\""},
		{name: "rating NaN", body: "1,2,NaN,NA,NA,NA,NA,NA,NA,NA,NA\n", err: "ratings.csv:2: Rating"},
		{name: "unknown level", body: "1,2,3,NA,NA,NA,NA,motorway,NA,NA,NA\n", err: "ratings.csv:2: roadtype \"motorway\""},
		{name: "two conditions", body: "1,2,3,NA,urban,NA,NA,city,NA,NA,NA\n", err: "ratings.csv:2: two conditions"},
		{name: "short row", body: "1,2,3\n", err: "ratings.csv:2:"},
		{name: "bare quote", body: "1,2,3,\"NA,NA,NA,NA,NA,NA,NA,NA\n", err: "ratings.csv:2:"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ReadRatings(strings.NewReader(ratingsHeader+tc.body), "ratings.csv")
			if tc.err != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tc.err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.want, got)
		})
	}
}

func TestReadRatingsHeader(t *testing.T) {
	for name, body := range map[string]string{
		"empty":        "",
		"wrong column": strings.Replace(ratingsHeader, "RoadType", "Road", 1),
		"too few":      "UserID,ItemID,Rating\n",
	} {
		_, err := ReadRatings(strings.NewReader(body), "r.csv")
		require.Error(t, err, name)
		assert.Contains(t, err.Error(), "r.csv", name)
	}
}

const itemsHeader = "ItemID,album,artist,title,mp3url,description,imageurl,category_id\n"

func TestReadItems(t *testing.T) {
	cases := []struct {
		name, body string
		want       map[int]*Item
		err        string
	}{
		{name: "disco is r&b & soul", body: "1,\\N,Bee Gees,Stayin' Alive,u,\\N,i,4\n",
			want: map[int]*Item{1: {ID: 1, Artist: "Bee Gees", Title: "Stayin' Alive", Category: 4, Family: "r&b & soul"}}},
		{name: "bad category", body: "1,a,b,c,d,e,f,11\n", err: "m.csv:2: category_id"},
		{name: "bad id", body: "x,a,b,c,d,e,f,1\n", err: "m.csv:2: ItemID"},
		{name: "repeated id", body: "1,a,b,c,d,e,f,1\n1,a,b,c,d,e,f,2\n", err: "m.csv:3: ItemID 1 repeated"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ReadItems(strings.NewReader(itemsHeader+tc.body), "m.csv")
			if tc.err != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tc.err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.want, got)
		})
	}
}

func TestJoinFeatures(t *testing.T) {
	items := map[int]*Item{
		1: {ID: 1, Artist: "Owl City", Title: "Fireflies (Album Version)"},
		2: {ID: 2, Artist: "John Coltrane", Title: "Giant Steps"},
		3: {ID: 3, Artist: "Nobody", Title: "Nothing"},
		4: {ID: 4, Artist: "B.B.King", Title: "The Thrill is Gone"},
	}
	mg := "track_key,title,artist,genre,energy,valence,acousticness,tempo\n" +
		"a,Fireflies,Owl City,pop,0.6,0.5,0.1,180\n" +
		"b,Fireflies,Owl City,dance,0.8,0.5,0.1,180\n" + // same title under another genre: averaged
		"c,Giant Steps - 2020 Remaster,John Coltrane,jazz,0.9,0.9,0.9,100\n" +
		"d,Giant Steps,John Coltrane,jazz,0.5,0.6,0.7,200\n" + // the exact title wins over the remaster
		"e,The Thrill Is Gone,Someone;B.B. King,blues,0.3,0.2,0.5,0\n" // 0 BPM: skipped
	n, err := JoinFeatures(items, strings.NewReader(mg), "mg.csv")
	require.NoError(t, err)
	assert.Equal(t, 2, n)
	assert.True(t, items[1].HasFeatures)
	assert.InDelta(t, 0.7, items[1].Features[FeatureEnergy], 1e-9)
	assert.InDelta(t, 0.5, items[2].Features[FeatureEnergy], 1e-9)
	assert.InDelta(t, 5.2983, items[2].Features[FeatureTempo], 1e-4, "tempo is log(BPM)")
	assert.False(t, items[3].HasFeatures)
	assert.False(t, items[4].HasFeatures)

	_, err = JoinFeatures(items, strings.NewReader(mg+"f,Giant Steps,John Coltrane,jazz,high,0.6,0.7,200\n"), "mg.csv")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "mg.csv:7: energy \"high\"")
	_, err = JoinFeatures(items, strings.NewReader("title,artist\n"), "mg.csv")
	assert.ErrorContains(t, err, "no \"energy\" column")
}

// FuzzReadRatings: any input gives rows or an error naming the file, never
// a panic, and every row it accepts is within the data's ranges.
func FuzzReadRatings(f *testing.F) {
	f.Add(ratingsHeader + "1001,251,2,NA,NA,NA,NA,NA,NA,NA,rainy\n")
	f.Add(ratingsHeader + "1001,715,2,NA,NA,NA,NA,NA,NA,traffic jam,cloudy\n1,2,3,NA,urban,NA,NA,city,NA,NA,NA\n")
	f.Add(ratingsHeader + "1,2,\"3\",NA,NA,NA,NA,NA,NA,NA\n")
	f.Add("UserID\n\"")
	f.Fuzz(func(t *testing.T, body string) {
		rows, err := ReadRatings(strings.NewReader(body), "f.csv")
		if err != nil {
			if !strings.HasPrefix(err.Error(), "f.csv") {
				t.Fatalf("error does not name the file: %v", err)
			}
			return
		}
		for _, r := range rows {
			if !(r.Rating >= 0 && r.Rating <= 5) || (r.Cond != (Condition{}) && !r.Cond.Valid()) {
				t.Fatalf("accepted a bad row %+v", r)
			}
		}
	})
}

// sharedData is the public data (../shared/data beside the worktree);
// CONTINUO_SHARED_DATA overrides it. Tests that need it skip without it.
func sharedData(tb testing.TB) string {
	dir := os.Getenv("CONTINUO_SHARED_DATA")
	if dir == "" {
		dir = "../../../shared/data"
	}
	if _, err := os.Stat(filepath.Join(dir, "incarmusic", "contextual_ratings.csv")); err != nil {
		tb.Skipf("InCarMusic not found in %s (set CONTINUO_SHARED_DATA)", dir)
	}
	return dir
}

func TestLoadSharedData(t *testing.T) {
	d, err := Load(sharedData(t))
	require.NoError(t, err)
	assert.Len(t, d.Ratings, 4012)
	assert.Len(t, d.Items, 139)
	assert.Equal(t, 46, d.Joined, "the README's 46 items joined by artist and title")
}
